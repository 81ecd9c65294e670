import type { Database } from '../db/index.js';
import type { EventBus } from '../events/index.js';
import { log } from '../log/index.js';

/** Something a long-running command runs, which stops when the process is told to. */
export interface Stoppable {
  /** What it is, in the log line when it does not stop in time. */
  name: string;
  /** Stops it; resolves once what it had in flight is done. */
  stop(): Promise<void>;
  /** What it still has running when the deadline passes (its name alone when absent or empty). */
  pending?(): string[];
}

/**
 * A signal this soon after the first is the same stop delivered twice: a terminal's Ctrl-C reaches
 * every process of the group, and npm forwards the one it got to its script as well.
 */
const SAME_STOP_MS = 1000;
/** How long closing the database may take once nothing uses it any more. */
const CLOSE_MS = 3000;
/**
 * How long to wait for the embedded server's child to exit. A little over the child's own limit
 * (platform/db/embedded/server.ts), so that normally this process is the last to go.
 */
const EMBEDDED_EXIT_MS = 12_000;

/**
 * Runs `shutdown` on the first SIGTERM or SIGINT and exits with the code it resolves to (1 if it
 * fails). Another signal, after the first one's echo, exits at once: the embedded server's child
 * then stops by itself when this process's IPC channel closes.
 */
export function onStopSignals(shutdown: (signal: NodeJS.Signals) => Promise<number>): void {
  let first: number | null = null;
  const handle = (signal: NodeJS.Signals): void => {
    if (first !== null) {
      if (Date.now() - first < SAME_STOP_MS) return;
      log.warn({ signal }, 'second signal: exiting now, without waiting for what is in flight');
      process.exit(1);
    }
    first = Date.now();
    shutdown(signal).then(
      (code) => process.exit(code),
      (err: Error) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
}

/**
 * Stops every part at once and waits until all have stopped or `deadlineMs` has passed. Returns
 * what was still running at the deadline: empty when everything stopped in time.
 */
export async function stopWithin(deadlineMs: number, parts: Stoppable[]): Promise<string[]> {
  const stopped = new Set<Stoppable>();
  const all = Promise.all(
    parts.map((part) =>
      part.stop().then(
        () => stopped.add(part),
        (err: Error) => {
          // A part that failed to stop has stopped trying: that is not what the deadline waits for.
          log.error({ err, part: part.name }, 'stopping failed');
          stopped.add(part);
        },
      ),
    ),
  );
  if (await within(deadlineMs, all)) return [];
  return parts
    .filter((part) => !stopped.has(part))
    .flatMap((part) => {
      const pending = part.pending?.() ?? [];
      return pending.length > 0 ? pending.map((p) => `${part.name}: ${p}`) : [part.name];
    });
}

/**
 * Closes the event bus's connection and the database. When a unit that never ended still holds a
 * pooled connection, Sequelize's close waits for it for ever: then (and at once when `force`, the
 * deadline having passed) the embedded server is stopped directly, which drops its connections
 * and rolls their transactions back. A server database does the same when this process exits.
 * Returns what could not be closed in time.
 */
export async function closePlatform(parts: { db?: Database; bus?: EventBus }, force: boolean): Promise<string[]> {
  const late: string[] = [];
  if (parts.bus && !(await within(CLOSE_MS, parts.bus.close()))) late.push('event notifications: the connection did not close');
  const db = parts.db;
  if (!db) return late;
  if (!force && (await within(CLOSE_MS, db.close()))) return late;
  if (!force) late.push(`the database: a connection still in use after ${CLOSE_MS} ms`);
  if (db.embedded?.child && !(await within(EMBEDDED_EXIT_MS, db.embedded.stop())))
    late.push(`the embedded database (pid ${db.embedded.child.pid}): still stopping`);
  return late;
}

/** Logs how the stop went and returns the exit code: 0, or 1 with what was still running. */
export function stopOutcome(what: string, deadlineMs: number, late: string[]): number {
  if (late.length === 0) {
    log.info(`${what} stopped`);
    return 0;
  }
  log.error(
    { stillRunning: late, deadlineMs },
    `${what} stopped with work still running (PLINTH_SHUTDOWN_MS: ${deadlineMs} ms): ${late.join('; ')}`,
  );
  return 1;
}

/** Whether `promise` settles (either way) within `ms`. */
function within(ms: number, promise: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const settled = promise.then(
    () => true,
    () => true,
  );
  return Promise.race([settled, timeout]).finally(() => clearTimeout(timer));
}
