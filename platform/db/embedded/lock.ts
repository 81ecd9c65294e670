import fs from 'node:fs';
import path from 'node:path';

/** `<data dir>/plinth.lock`: which process serves the embedded database, and on which port. */
export interface EmbeddedLock {
  pid: number;
  port: number | null;
}

export const lockPath = (dataDir: string): string => path.join(dataDir, 'plinth.lock');

export function readLock(dataDir: string): EmbeddedLock | null {
  try {
    const parsed = JSON.parse(fs.readFileSync(lockPath(dataDir), 'utf8')) as EmbeddedLock;
    return Number.isInteger(parsed.pid) ? parsed : null;
  } catch {
    return null;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the lock for this process, atomically (`wx`). A lock left by a dead process is
 * removed and taken over; a live holder's lock is returned instead.
 */
export function acquireLock(dataDir: string): { acquired: true } | { acquired: false; holder: EmbeddedLock } {
  fs.mkdirSync(dataDir, { recursive: true });
  for (;;) {
    try {
      const fd = fs.openSync(lockPath(dataDir), 'wx', 0o600);
      fs.writeSync(fd, JSON.stringify({ pid: process.pid, port: null }));
      fs.closeSync(fd);
      return { acquired: true };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readLock(dataDir);
    if (holder && isAlive(holder.pid)) return { acquired: false, holder };
    if (!holder) {
      // Written by a process that is still between create and write: give it a moment.
      const age = Date.now() - statMtime(lockPath(dataDir));
      if (age < 2000) return { acquired: false, holder: { pid: -1, port: null } };
    }
    fs.rmSync(lockPath(dataDir), { force: true });
  }
}

export function writeLock(dataDir: string, lock: EmbeddedLock): void {
  const tmp = `${lockPath(dataDir)}.${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(lock), { mode: 0o600 });
  fs.renameSync(tmp, lockPath(dataDir));
}

export function releaseLock(dataDir: string): void {
  const holder = readLock(dataDir);
  if (holder?.pid === process.pid) fs.rmSync(lockPath(dataDir), { force: true });
}

function statMtime(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}
