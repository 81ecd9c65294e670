import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readLock } from '../platform/db/index.js';
import { shellMigrations } from '../platform/db/migrations/index.js';
import { CLI } from './support/cli.js';
import { freshDatabase, onServer } from './support/database.js';

interface Health {
  status: string;
  database: { mode: string; reachable: boolean; migrations: { executed: number; pending: number } | null };
  seed: string;
}

async function health(port: number): Promise<{ code: number; body: Health }> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`);
  return { code: res.status, body: (await res.json()) as Health };
}

/** Waits for `probe` to answer. Generous: a first start seeds 10,000 contacts and sends the demo's requests through the modules' sandboxes, on whatever else the machine is doing (speed is the benchmarks' business). */
async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 150_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** `plinth serve` as `npm start` runs it: listen first, then migrate and seed. */
function serve(
  env: NodeJS.ProcessEnv,
  args: string[] = [],
): { child: ChildProcess; port: Promise<number>; output: () => string } {
  const child = spawn(process.execPath, ['--no-node-snapshot', CLI, 'serve', ...args], {
    env: { ...env, PORT: '0', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const port = new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      const match = /listening on http:\/\/[^:]+:(\d+)\//.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${output}`)));
  });
  return { child, port, output: () => output };
}

describe('serving and /healthz', () => {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  const tmp = (): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-http-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(async () => {
    for (const c of children.splice(0)) {
      if (c.exitCode === null) {
        c.kill('SIGTERM');
        await new Promise((r) => c.once('exit', r));
      }
    }
  });
  after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('npm start on an empty data dir: answers 503 while starting, then 200 with migrations current, seeds, prints the demo login', async function () {
    if (onServer) this.skip(); // the first-run path belongs to the embedded database
    this.timeout(300_000);
    const dataDir = tmp();
    const run = serve({ ...process.env, PLINTH_DATA_DIR: dataDir, DATABASE_URL: '', PLINTH_DEMO_PASSWORD: '' }, ['--init']);
    children.push(run.child);
    const port = await run.port;
    const early = await health(port);
    assert.equal(early.code, 503, 'not ready before the database is');
    assert.equal(early.body.database.mode, 'embedded');
    const ready = await until('200', async () => {
      const h = await health(port);
      return h.code === 200 && h.body.seed === 'done' ? h : undefined;
    });
    assert.deepEqual(ready.body.database, {
      mode: 'embedded',
      reachable: true,
      migrations: { executed: shellMigrations.length, pending: 0 },
    });
    assert.equal(ready.body.status, 'ok');
    await until('demo login', async () => (run.output().includes('Demo login') ? true : undefined));
    const password = fs.readFileSync(path.join(dataDir, 'demo-password'), 'utf8').trim();
    assert.equal(fs.statSync(path.join(dataDir, 'demo-password')).mode & 0o777, 0o600);
    assert.match(
      run.output(),
      new RegExp(`Demo login: owner@agency\\.demo, owner@client-a\\.demo, owner@client-b\\.demo — password: ${password}`),
    );

    // The printed login works: a client's owner signs in and sees its contacts.
    assert.match(run.output(), new RegExp(`Ready: http://[^/]+:${port}/admin`));
    const base = `http://127.0.0.1:${port}`;
    const login = await fetch(`${base}/admin/login`, {
      method: 'POST',
      headers: { origin: base },
      body: new URLSearchParams({ email: 'owner@client-a.demo', password }),
      redirect: 'manual',
    });
    assert.equal(login.status, 303);
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    const page = await fetch(`${base}/admin`, { headers: { cookie }, redirect: 'manual' });
    assert.equal(page.status, 200);
    const list = await (await fetch(`${base}/admin/api/resources/contacts/actions/list`, { headers: { cookie } })).json();
    assert.ok(list.meta.total > 0, `client-a sees its seeded contacts (${list.meta.total})`);

    // The embedded server dies: health says so.
    const lock = readLock(dataDir);
    assert.ok(lock);
    process.kill(lock.pid, 'SIGKILL');
    const down = await until('503', async () => {
      const h = await health(port);
      return h.code === 503 ? h : undefined;
    });
    assert.equal(down.body.status, 'unavailable');
    assert.equal(down.body.database.reachable, false);
  });

  it('a second start reuses the data and seeds nothing', async function () {
    if (onServer) this.skip();
    this.timeout(300_000);
    const dataDir = tmp();
    const env = { ...process.env, PLINTH_DATA_DIR: dataDir, DATABASE_URL: '', PLINTH_DEMO_PASSWORD: 'a fixed demo password' };
    const first = serve(env, ['--init']);
    children.push(first.child);
    const port = await first.port;
    await until('seeded', async () => ((await health(port)).body.seed === 'done' ? true : undefined));
    first.child.kill('SIGTERM');
    await new Promise((r) => first.child.once('exit', r));
    assert.equal(readLock(dataDir), null, 'the embedded server stopped with its owner');
    const second = serve(env, ['--init']);
    children.push(second.child);
    const port2 = await second.port;
    const h = await until('200', async () => {
      const r = await health(port2);
      return r.code === 200 && r.body.seed === 'done' ? r : undefined;
    });
    assert.equal(h.body.database.migrations?.pending, 0);
    assert.doesNotMatch(second.output(), /first run/);
  });

  it('answers 503 naming the failure when the server database cannot be reached', async () => {
    const run = serve({ ...process.env, PLINTH_DATA_DIR: tmp(), DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere' });
    children.push(run.child);
    const port = await run.port;
    const h = await until('failed', async () => {
      const r = await health(port);
      return r.body.status === 'failed' ? r : undefined;
    });
    assert.equal(h.code, 503);
    assert.deepEqual(h.body.database, { mode: 'server', reachable: false, migrations: null });
  });

  it('migrates and serves a server database with 200', async function () {
    if (!onServer) this.skip();
    const t = await freshDatabase({ migrate: false });
    try {
      const run = serve({ ...process.env, PLINTH_DATA_DIR: tmp(), DATABASE_URL: t.config.databaseUrl });
      children.push(run.child);
      const port = await run.port;
      const h = await until('200', async () => {
        const r = await health(port);
        return r.code === 200 ? r : undefined;
      });
      assert.deepEqual(h.body.database, {
        mode: 'server',
        reachable: true,
        migrations: { executed: shellMigrations.length, pending: 0 },
      });
    } finally {
      for (const c of children.splice(0)) {
        c.kill('SIGTERM');
        await new Promise((r) => c.once('exit', r));
      }
      await t.drop();
    }
  });
});
