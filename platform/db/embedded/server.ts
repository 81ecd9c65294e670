/**
 * Child-process entry of the embedded PostgreSQL: PGlite served over the wire protocol.
 * It runs apart from the application because PGlite blocks its event loop while SQL runs.
 * Messages to the parent: {type:'ready', port} | {type:'locked', holder} | {type:'error', message}.
 * It stops when its parent disconnects — which its exit, however it dies (SIGKILL, a crash),
 * does — so an application never leaves it behind; and on SIGTERM, which its parent sends once
 * it has drained. It ignores SIGINT: a terminal's Ctrl-C reaches every process of the group, and
 * the database must outlive the parent's draining of the requests in flight.
 */
import net from 'node:net';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { acquireLock, releaseLock, writeLock } from './lock.js';

const [dataDirArg, portArg, maxConnectionsArg] = process.argv.slice(2);
if (!dataDirArg) throw new Error('the embedded database server takes its data directory as its first argument');
const dataDir = dataDirArg;
/**
 * How long stopping may take before the process exits anyway: closing PGlite waits for the
 * statement it runs, and a stop that never ends would leave the server behind its parent.
 * Exiting unclosed is a crash to PostgreSQL, which its write-ahead log recovers from.
 */
const STOP_LIMIT_MS = 10_000;
const send = (message: object): void => {
  if (process.send) process.send(message);
};

async function freePort(preferred: number): Promise<number> {
  const tryListen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      const probe = net.createServer();
      probe.once('error', reject);
      probe.listen(port, '127.0.0.1', () => {
        const { port: bound } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(bound));
      });
    });
  if (preferred > 0) {
    try {
      return await tryListen(preferred);
    } catch {
      // taken: fall through to any free port
    }
  }
  return tryListen(0);
}

async function main(): Promise<void> {
  const lock = acquireLock(dataDir);
  if (!lock.acquired) {
    send({ type: 'locked', holder: lock.holder });
    process.exit(0);
  }
  let stopping = false;
  let server: PGLiteSocketServer | undefined;
  let db: PGlite | undefined;
  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => {
      releaseLock(dataDir);
      process.exit(code || 1);
    }, STOP_LIMIT_MS).unref();
    try {
      await server?.stop();
      await db?.close();
    } finally {
      releaseLock(dataDir);
      process.exit(code);
    }
  };
  process.on('disconnect', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGINT', () => {});
  try {
    // Extensions the migrations create must be loaded here: PGlite has no shared libraries to load them from.
    db = await PGlite.create(path.join(dataDir, 'pglite'), { extensions: { btree_gin, pg_trgm } });
    const port = await freePort(Number(portArg) || 0);
    server = new PGLiteSocketServer({
      db,
      host: '127.0.0.1',
      port,
      maxConnections: Number(maxConnectionsArg) || 64,
    });
    await server.start();
    writeLock(dataDir, { pid: process.pid, port });
    send({ type: 'ready', port });
  } catch (err) {
    send({ type: 'error', message: (err as Error).message });
    await stop(1);
  }
}

void main();
