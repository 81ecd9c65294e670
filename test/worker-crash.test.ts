import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createPlatform } from '../platform/composition/index.js';
import { CLI, envFor } from './support/cli.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { testPlatform, type TestPlatform } from './support/platform.js';
import { pluginDir } from './support/plugins.js';

const EVENT = 'source.item_added';
/** The effect of a delivery: one row, in a table with no unique constraint, so a duplicate would be counted. */
const RECORD = `export default async function record(event, ctx) {
  await ctx.query('INSERT INTO notes (workspace_id, title) VALUES ($1, $2)', [ctx.workspace.id, event.id]);
}
`;
const SUBSCRIBERS = ['sink-a', 'sink-b', 'sink-c'];

function worker(t: TestDatabase, pollMs = 50): ChildProcess {
  const child = spawn(
    process.execPath,
    ['--no-node-snapshot', CLI, 'worker', '--batch-size', '200', '--poll-ms', String(pollMs)],
    {
      env: envFor(t.config),
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  return child;
}

async function until(what: string, probe: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe(`workers under load (${onServer ? 'server' : 'embedded'} database)`, function () {
  this.timeout(300_000);
  let t: TestDatabase;
  let p: TestPlatform;
  const children: ChildProcess[] = [];

  const effects = async (): Promise<{ module: string; n: number; distinct: number }[]> =>
    t.db.unit({ role: 'connection' }, async () => {
      const counts = [];
      for (const id of SUBSCRIBERS) {
        const [row] = await t.db.rows<{ n: string; distinct: string }>(
          `SELECT count(*) AS n, count(DISTINCT title) AS distinct FROM mod_${id.replace('-', '_')}.notes`,
        );
        counts.push({ module: id, n: Number(row.n), distinct: Number(row.distinct) });
      }
      return counts;
    });
  const total = async () => (await effects()).reduce((s, e) => s + e.n, 0);

  /** Emits `perWorkspace` events in each workspace, in batches of 1,000. */
  const load = async (workspaces: { id: string }[], perWorkspace: number) => {
    const producer = (await p.marketplace.registry.installed('source'))!;
    for (const w of workspaces) {
      for (let i = 0; i < perWorkspace; i += 1000) {
        const batch = Array.from({ length: Math.min(1000, perWorkspace - i) }, (_, k) => ({
          name: EVENT,
          payload: { n: i + k },
        }));
        await p.bus.emitMany({ id: 'source', manifest: producer.manifest, registryId: producer.id }, w.id, batch);
      }
    }
  };

  before(async () => {
    t = await freshDatabase();
    p = testPlatform(t);
  });
  afterEach(async () => {
    for (const c of children.splice(0)) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGTERM');
        await new Promise((r) => c.once('exit', r));
      }
    }
  });
  after(() => t.drop());

  const setUp = async (slugs: string[]) => {
    const workspaces = [];
    for (const slug of slugs) workspaces.push(await t.entities.workspaces.create({ slug, name: slug }));
    if (!(await p.marketplace.registry.installed('source'))) {
      await p.add(
        pluginDir('source', (m) => {
          m.capabilities.requires = ['events:emit'];
          m.events = {
            emits: [
              { name: EVENT, version: 1, payload: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } } },
            ],
          };
        }),
        'source',
        [],
      );
      for (const id of SUBSCRIBERS) {
        await p.add(
          pluginDir(
            id,
            (m) => {
              m.capabilities.requires = [];
              m.events = { subscribes: [{ event: EVENT, handler: 'handlers/record.js' }] };
              delete m.settings;
            },
            { 'handlers/record.js': RECORD },
          ),
          id,
          [],
        );
      }
    }
    for (const w of workspaces)
      for (const id of ['source', ...SUBSCRIBERS])
        await p.marketplace.lifecycle.enable(id, w.slug, undefined, { type: 'system', id: 'test' });
    return workspaces;
  };

  it('a worker killed with SIGKILL mid-batch loses nothing and duplicates nothing after a restart (10k events, 3 subscribers)', async () => {
    const [w] = await setUp(['crash']);
    await load([w], 10_000);
    const first = worker(t);
    children.push(first);
    await until('the first deliveries', async () => (await total()) >= 600, 120_000);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const atKill = await total();
    assert.ok(atKill < 30_000, `the worker finished (${atKill}) before it could be killed`);
    children.push(worker(t));
    await until('every delivery', async () => (await total()) >= 30_000, 240_000);
    await new Promise((r) => setTimeout(r, 500));
    const counts = await effects();
    for (const e of counts) assert.deepEqual(e, { module: e.module, n: 10_000, distinct: 10_000 });
  });

  it("another process's commit wakes a worker at once, without waiting for its poll", async function () {
    if (!onServer) this.skip(); // LISTEN/NOTIFY does not cross connections on the embedded database
    const [w] = await setUp(['woken']);
    const child = worker(t, 600_000);
    children.push(child);
    await new Promise((r) => setTimeout(r, 3000)); // it has started, listened, and swept once
    const before = await total();
    const producer = (await p.marketplace.registry.installed('source'))!;
    // Composed as another process would be: its commits notify the listening worker.
    const announcing = createPlatform({ config: t.config, db: t.db, entities: t.entities }).bus;
    const started = Date.now();
    await announcing.emit({ id: 'source', manifest: producer.manifest, registryId: producer.id }, w.id, EVENT, { n: 1 });
    await until('the woken delivery', async () => (await total()) >= before + SUBSCRIBERS.length, 5_000);
    assert.ok(Date.now() - started < 5_000);
    await announcing.close();
  });

  it('four workers in parallel deliver every event exactly once', async function () {
    if (!onServer) this.skip(); // one transaction at a time on the embedded database: parallel workers would only queue
    const workspaces = await setUp(['par-1', 'par-2', 'par-3', 'par-4']);
    const before = await total();
    await load(workspaces, 2_500);
    for (let i = 0; i < 4; i++) children.push(worker(t));
    await until('every delivery', async () => (await total()) >= before + 30_000, 240_000);
    await new Promise((r) => setTimeout(r, 500));
    const counts = await effects();
    assert.equal(
      counts.reduce((s, e) => s + e.n, 0),
      before + 30_000,
    );
    for (const e of counts) assert.equal(e.n, e.distinct, `${e.module} has duplicate effects`);
  });
});
