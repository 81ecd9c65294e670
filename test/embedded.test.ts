import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../platform/config/index.js';
import { lockPath, openDatabase, readLock, type Database } from '../platform/db/index.js';
import { eventually, running, watch } from './support/processes.js';

/** The embedded database's own mechanics: one server per data dir, shared by every process. */
describe('embedded database (PGlite over the wire protocol)', () => {
  let dataDir: string;
  let db: Database;
  const open = (): Promise<Database> => openDatabase(loadConfig({ PLINTH_DATA_DIR: dataDir }));

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-embedded-'));
    db = await open();
  });
  after(async () => {
    await db.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('writes a lock naming the serving child process and its port', () => {
    const lock = readLock(dataDir);
    assert.ok(lock?.port, 'lock has a port');
    assert.equal(lock.pid, db.embedded?.child?.pid);
    assert.equal(fs.statSync(lockPath(dataDir)).mode & 0o777, 0o600);
  });

  it('a second opener on the same data dir connects to the running server instead of opening the files', async () => {
    const second = await open();
    try {
      assert.equal(second.embedded?.child, undefined, 'it started no server of its own');
      assert.equal(second.embedded?.port, db.embedded?.port);
      assert.equal((await second.probe()).reachable, true);
    } finally {
      await second.close();
    }
    assert.equal(readLock(dataDir)?.pid, db.embedded?.child?.pid, 'closing a guest does not stop the server');
  });

  it('refuses a query outside a unit of work instead of letting it escape its transaction', async () => {
    await assert.rejects(db.rows('SELECT 1'), /query outside a unit of work/);
  });

  it('rolls back the transaction of a client killed in the middle of it, and serves the others on', async () => {
    await db.unit({ role: 'connection' }, () => db.exec('CREATE TABLE IF NOT EXISTS crash_probe (note text)'));
    const port = db.embedded!.port;
    const script = `
      const pg = require('pg');
      const c = new pg.Client({ host: '127.0.0.1', port: ${port}, user: 'postgres', database: 'postgres' });
      c.connect().then(async () => {
        await c.query('BEGIN');
        await c.query("INSERT INTO crash_probe VALUES ('uncommitted')");
        process.stdout.write('in-transaction\\n');
        setInterval(() => {}, 1000);
      });`;
    const child = spawn(process.execPath, ['-e', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('in-transaction') && resolve());
      child.once('exit', (code) => reject(new Error(`client exited early with ${code}`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const rows = await db.unit({ role: 'connection' }, () => db.rows<{ note: string }>('SELECT note FROM crash_probe'));
    assert.deepEqual(rows, []);
    await db.unit({ role: 'connection' }, () => db.exec("INSERT INTO crash_probe VALUES ('committed')"));
    const after = await db.unit({ role: 'connection' }, () => db.rows<{ note: string }>('SELECT note FROM crash_probe'));
    assert.deepEqual(after, [{ note: 'committed' }]);
  });

  it('takes over a lock whose process is dead', async () => {
    const stale = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-stale-'));
    fs.writeFileSync(lockPath(stale), JSON.stringify({ pid: 2 ** 22 + 1, port: 1 }));
    const taken = await openDatabase(loadConfig({ PLINTH_DATA_DIR: stale }));
    try {
      assert.ok(taken.embedded?.child, 'it started a server');
      assert.equal(readLock(stale)?.pid, taken.embedded.child.pid);
      assert.equal((await taken.probe()).reachable, true);
    } finally {
      await taken.close();
      fs.rmSync(stale, { recursive: true, force: true });
    }
    assert.equal(fs.existsSync(lockPath(stale)), false, 'the lock is released on stop');
  });

  // The child stops when its IPC channel closes, which the parent's death does, however it dies.
  for (const death of ['SIGKILL', 'an uncaught exception'] as const) {
    it(`its server stops when the process that started it dies (${death})`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-orphan-'));
      const script = `
        const [configModule, dbModule, dataDir, death] = process.argv.slice(1);
        const { loadConfig } = await import(configModule);
        const { openDatabase } = await import(dbModule);
        const db = await openDatabase(loadConfig({ PLINTH_DATA_DIR: dataDir }));
        process.stdout.write('serving child ' + db.embedded.child.pid + '\\n');
        if (death === 'SIGKILL') setInterval(() => {}, 1000);
        else setTimeout(() => { throw new Error('a crash'); }, 200);`;
      const parent = watch(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          script,
          new URL('../platform/config/index.js', import.meta.url).href,
          new URL('../platform/db/index.js', import.meta.url).href,
          dir,
          death,
        ],
        { env: { ...process.env, LOG_LEVEL: 'warn' } },
      );
      try {
        const child = Number((await parent.waitFor(/serving child (\d+)/))[1]);
        assert.equal(readLock(dir)?.pid, child);
        if (death === 'SIGKILL') parent.child.kill('SIGKILL');
        const exit = await parent.exited;
        assert.ok(death === 'SIGKILL' ? exit.signal === 'SIGKILL' : exit.code === 1, parent.output());
        assert.ok(await eventually(() => !running(child), 5000), `the embedded server (pid ${child}) outlived its parent`);
        assert.equal(readLock(dir), null, 'and released its lock');
      } finally {
        if (parent.child.exitCode === null && parent.child.signalCode === null) parent.child.kill('SIGKILL');
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('two processes starting at once end on one server', async () => {
    const race = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-race-'));
    const [a, b] = await Promise.all([0, 1].map(() => openDatabase(loadConfig({ PLINTH_DATA_DIR: race }))));
    try {
      assert.equal(a.embedded?.port, b.embedded?.port);
      assert.equal([a, b].filter((d) => d.embedded?.child).length, 1);
      const client = new pg.Client({ host: '127.0.0.1', port: a.embedded!.port, user: 'postgres', database: 'postgres' });
      await client.connect();
      assert.equal((await client.query('SELECT 1 AS one')).rows[0].one, 1);
      await client.end();
    } finally {
      await b.close();
      await a.close();
      fs.rmSync(race, { recursive: true, force: true });
    }
  });
});
