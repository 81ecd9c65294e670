import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DatabaseUnavailableError } from '../../errors/index.js';
import { isAlive, readLock } from './lock.js';

export { lockPath, readLock } from './lock.js';

const serverEntry = fileURLToPath(new URL('./server.js', import.meta.url));
const START_TIMEOUT_MS = 60_000;

/** A connection point to the embedded database, and the child serving it when we started it. */
export interface EmbeddedServer {
  port: number;
  /** Set when this process started the server; it stops with this process. */
  child?: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Connects to the embedded server already serving `dataDir`, or starts one in a child
 * process. Two processes racing here end up on one server: the lock decides who serves.
 */
export async function attachEmbedded(dataDir: string, maxConnections: number): Promise<EmbeddedServer> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const lock = readLock(dataDir);
    if (lock && isAlive(lock.pid)) {
      if (lock.port) return { port: lock.port, stop: async () => {} };
      await sleep(100); // its holder is still starting
      continue;
    }
    const outcome = await spawnServer(dataDir, maxConnections, lock?.port ?? 0);
    if (outcome) return outcome;
  }
  throw new DatabaseUnavailableError(`embedded database in ${dataDir} did not start within ${START_TIMEOUT_MS / 1000} s`);
}

function spawnServer(dataDir: string, maxConnections: number, preferredPort: number): Promise<EmbeddedServer | null> {
  return new Promise((resolve, reject) => {
    const child = fork(serverEntry, [dataDir, String(preferredPort), String(maxConnections)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: [],
    });
    const onExit = (code: number | null): void =>
      reject(new DatabaseUnavailableError(`embedded database server exited with code ${code} before it was ready`));
    child.once('exit', onExit);
    child.once('message', (message: { type: string; port?: number; message?: string }) => {
      child.off('exit', onExit);
      if (message.type === 'ready' && message.port) {
        child.unref();
        (child.channel as { unref?: () => void } | undefined)?.unref?.();
        resolve({ port: message.port, child, stop: () => stopChild(child) });
      } else if (message.type === 'locked') {
        resolve(null);
      } else {
        reject(new DatabaseUnavailableError(`embedded database failed to start: ${message.message}`));
      }
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    // Unreferenced while it served; waiting for its exit must keep this process alive.
    child.ref();
    child.kill('SIGTERM');
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
