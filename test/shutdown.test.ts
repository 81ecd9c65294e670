import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { openDatabase, readLock, type Database } from '../platform/db/index.js';
import { createEntities } from '../platform/entities/index.js';
import { CLI, envFor } from './support/cli.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { testPlatform } from './support/platform.js';
import { pluginDir } from './support/plugins.js';
import { eventually, groupMembers, running, watch, type Watched } from './support/processes.js';

/** The repository (dist/platform/cli/main.js is three folders below it): where `npm run` finds package.json. */
const ROOT = path.resolve(path.dirname(CLI), '../../..');
const LISTENING = /listening on http:\/\/[^:]+:(\d+)\//;

// Module code has no timers, and on the embedded database may not sit idle in its transaction:
// these keep busy with statements instead, for 2 s or until their 60 s limit.
const SLOW = `export default async function slow(request, ctx) {
  await ctx.query('SELECT 1');
  ctx.log.warn('slow request started');
  const until = Date.now() + 2000;
  while (Date.now() < until) await ctx.query('SELECT 1');
  return { status: 200, body: { finished: true } };
}
`;
// Holds its unit's pooled connection (and on the embedded database the one session) until its limit.
const HANG = `export default async function hang(request, ctx) {
  await ctx.query('SELECT 1');
  ctx.log.warn('hung request started');
  for (;;) await ctx.query('SELECT 1');
}
`;
const DELIVERY = `export default async function onNoteAdded(event, ctx) {
  await ctx.query('SELECT 1');
  ctx.log.warn('delivery started');
  if (event.payload.title === 'hang') for (;;) await ctx.query('SELECT 1');
}
`;

describe(`stopping plinth serve and plinth worker (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let slug: string;
  let workspaceId: string;
  const started: Watched[] = [];

  /** A process started with the test database's settings (and no demo seed: `serve` without --init). */
  const start = (command: string, args: string[], extra: Record<string, string>, detached = false): Watched => {
    const env = envFor(t.config, {
      PORT: '0',
      LOG_LEVEL: 'info',
      npm_config_update_notifier: 'false',
      PLINTH_MODULE_TIME_LIMIT: '60s',
      ...extra,
    });
    const w = watch(command, args, { env, detached, cwd: ROOT });
    started.push(w);
    return w;
  };
  const serve = (shutdownMs: number) =>
    start(process.execPath, ['--no-node-snapshot', CLI, 'serve'], { PLINTH_SHUTDOWN_MS: String(shutdownMs) });
  /** The port once everything is mounted, and the embedded server's pid (none on a server database). */
  const ready = async (w: Watched): Promise<{ base: string; embedded: number | null }> => {
    const port = Number((await w.waitFor(LISTENING))[1]);
    await w.waitFor(/Ready: /);
    const embedded = onServer ? null : (readLock(t.config.dataDir)?.pid ?? null);
    if (!onServer) assert.ok(embedded && running(embedded), 'the embedded server runs');
    return { base: `http://127.0.0.1:${port}`, embedded };
  };
  const assertGone = async (embedded: number | null) => {
    if (embedded === null) return;
    assert.ok(await eventually(() => !running(embedded), 3000), `the embedded server (pid ${embedded}) outlived its parent`);
    assert.equal(readLock(t.config.dataDir), null, 'its lock is released');
  };

  before(async () => {
    t = await freshDatabase();
    slug = `stall-${Date.now().toString(36)}`;
    workspaceId = (await t.entities.workspaces.create({ slug, name: 'Stall' })).id;
    const dir = pluginDir(
      'stall',
      (m) => {
        m.limits = { timeoutMs: 60_000 };
        m.routes = [
          { method: 'GET', path: '/:workspace/slow', handler: 'handlers/slow.js', auth: 'public' },
          { method: 'GET', path: '/:workspace/hang', handler: 'handlers/hang.js', auth: 'public' },
        ];
      },
      { 'handlers/slow.js': SLOW, 'handlers/hang.js': HANG, 'handlers/on-note-added.js': DELIVERY },
    );
    await testPlatform(t).add(dir, 'stall', [slug]);
    // Served from here on by the processes under test: on the embedded database each starts its own server.
    await t.db.close();
  });
  afterEach(async () => {
    for (const w of started.splice(0)) {
      if (w.child.exitCode !== null || w.child.signalCode !== null) continue;
      w.child.kill('SIGKILL');
      await w.exited;
    }
  });
  after(() => t.drop());

  it('SIGTERM: refuses new connections, finishes the request in flight, closes the database, exits 0', async () => {
    const s = serve(10_000);
    const { base, embedded } = await ready(s);
    const answer = fetch(`${base}/m/stall/${slug}/slow`).then(async (r) => ({ status: r.status, body: await r.json() }));
    await s.waitFor(/slow request started/);
    const sent = Date.now();
    s.child.kill('SIGTERM');
    await s.waitFor(/stopping: finishing requests in flight/);
    await assert.rejects(fetch(`${base}/healthz`), 'a new connection is refused');
    assert.deepEqual(await answer, { status: 200, body: { finished: true } });
    const exit = await s.exited;
    assert.equal(exit.code, 0, s.output());
    assert.ok(exit.at - sent < 10_000, `stopped in ${exit.at - sent} ms`);
    assert.match(s.output(), /plinth serve stopped"/);
    await assertGone(embedded);
  });

  it('a hung handler holding a connection: SIGTERM exits 1 once PLINTH_SHUTDOWN_MS has passed, naming it', async () => {
    const s = serve(1500);
    const { base, embedded } = await ready(s);
    const answer = fetch(`${base}/m/stall/${slug}/hang`).then(
      () => 'answered',
      () => 'dropped',
    );
    await s.waitFor(/hung request started/);
    const sent = Date.now();
    s.child.kill('SIGTERM');
    const exit = await s.exited;
    assert.equal(exit.code, 1, s.output());
    const took = exit.at - sent;
    // The deadline, then stopping the embedded server (which rolls the hung transaction back).
    assert.ok(took >= 1500 && took < 1500 + 12_000, `stopped in ${took} ms`);
    assert.match(
      s.output(),
      new RegExp(
        `stopped with work still running \\(PLINTH_SHUTDOWN_MS: 1500 ms\\): requests in flight: GET /m/stall/${slug}/hang \\(running for \\d+ ms\\)`,
      ),
    );
    assert.equal(await answer, 'dropped', 'its client sees the connection close');
    await assertGone(embedded);
  });

  it('a second signal exits at once', async () => {
    const s = serve(60_000);
    const { base, embedded } = await ready(s);
    void fetch(`${base}/m/stall/${slug}/hang`).catch(() => {});
    await s.waitFor(/hung request started/);
    s.child.kill('SIGTERM');
    await s.waitFor(/stopping: finishing requests in flight/);
    // Past the window in which a signal counts as the same one delivered twice.
    await new Promise((r) => setTimeout(r, 1200));
    const sent = Date.now();
    s.child.kill('SIGTERM');
    const exit = await s.exited;
    assert.equal(exit.code, 1);
    assert.ok(exit.at - sent < 2000, `exited ${exit.at - sent} ms after the second signal`);
    assert.match(s.output(), /second signal: exiting now/);
    // Its exit closes the IPC channel: the embedded server stops by itself.
    await assertGone(embedded);
  });

  describe('under npm (npm run plinth -- serve: what npm start runs, without the demo seed)', () => {
    const npm = () => start('npm', ['run', 'plinth', '--', 'serve'], {}, true);

    it('Ctrl-C in a terminal (SIGINT to the whole process group) leaves no process of the group', async () => {
      const w = npm();
      await ready(w);
      const group = w.child.pid!;
      process.kill(-group, 'SIGINT');
      const exit = await w.exited;
      assert.equal(exit.code, 0, w.output());
      assert.ok(await eventually(() => groupMembers(group).length === 0, 3000), groupMembers(group).join('\n'));
      // npm forwards the Ctrl-C it got as well: one stop, not a second signal's hard exit.
      assert.doesNotMatch(w.output(), /second signal/);
    });

    it('SIGTERM to npm alone reaches the server, which stops with everything it started', async () => {
      const w = npm();
      const { embedded } = await ready(w);
      const group = w.child.pid!;
      w.child.kill('SIGTERM');
      const exit = await w.exited;
      assert.equal(exit.code, 0, w.output());
      assert.match(w.output(), /plinth serve stopped"/);
      assert.ok(await eventually(() => groupMembers(group).length === 0, 3000), groupMembers(group).join('\n'));
      await assertGone(embedded);
    });
  });

  describe('plinth worker', () => {
    let db: Database | undefined;
    after(() => db?.close());

    const worker = () =>
      start(process.execPath, ['--no-node-snapshot', CLI, 'worker', '--poll-ms', '50'], { PLINTH_SHUTDOWN_MS: '1500' });

    it('SIGTERM with nothing in flight: stops the dispatcher, closes the database, exits 0', async () => {
      const w = worker();
      await w.waitFor(/delivering events/);
      const embedded = onServer ? null : (readLock(t.config.dataDir)?.pid ?? null);
      w.child.kill('SIGTERM');
      const exit = await w.exited;
      // 0: nothing was still running at the deadline (1500 ms; closing the database comes after it).
      assert.equal(exit.code, 0, w.output());
      assert.match(w.output(), /plinth worker stopped"/);
      await assertGone(embedded);
    });

    it('a hung delivery: SIGTERM exits 1 once PLINTH_SHUTDOWN_MS has passed, naming the dispatcher', async () => {
      db = await openDatabase(t.config);
      const platform = testPlatform({ ...t, db, entities: createEntities(db) });
      await platform.runtime.run('stall', { workspaceId }, (ctx) =>
        ctx.events.emit('stall.note_added', { noteId: randomUUID(), title: 'hang' }),
      );
      const w = worker();
      await w.waitFor(/delivery started/);
      const sent = Date.now();
      w.child.kill('SIGTERM');
      const exit = await w.exited;
      assert.equal(exit.code, 1, w.output());
      assert.ok(exit.at - sent >= 1500 && exit.at - sent < 1500 + 12_000, `stopped in ${exit.at - sent} ms`);
      assert.match(w.output(), /plinth worker stopped with work still running .*the dispatcher: a delivery still running/);
    });
  });
});
