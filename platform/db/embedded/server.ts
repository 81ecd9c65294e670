/**
 * Child-process entry of the embedded PostgreSQL: PGlite served over the wire protocol.
 * It runs apart from the application because PGlite blocks its event loop while SQL runs.
 * Messages to the parent: {type:'ready', port} | {type:'locked', holder} | {type:'error', message}.
 * It stops when its parent disconnects, so an application never leaves it behind.
 */
import net from 'node:net';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { acquireLock, releaseLock, writeLock } from './lock.js';

const [dataDir, portArg, maxConnectionsArg] = process.argv.slice(2);
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
  process.on('SIGINT', () => void stop(0));
  try {
    db = await PGlite.create(path.join(dataDir, 'pglite'));
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
