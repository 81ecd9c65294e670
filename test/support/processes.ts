import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

/**
 * Whether a process still runs. A zombie does not: a child whose parent died is handed to PID 1,
 * which in some containers never reaps it, and `kill(pid, 0)` would still find it.
 */
export function running(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state …": comm may hold spaces and parentheses, the state follows the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    if (fs.existsSync('/proc/self/stat')) return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

/** The live processes of a process group (Linux: read from /proc), as "pid command". */
export function groupMembers(pgid: number): string[] {
  const members: string[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // After the command: state, ppid, pgrp.
      if (Number(fields[2]) === pgid && fields[0] !== 'Z')
        members.push(`${entry} ${stat.slice(stat.indexOf('('), stat.lastIndexOf(')') + 1)}`);
    } catch {
      // gone between the listing and the read
    }
  }
  return members;
}

/** Polls `probe` every 100 ms until it returns true or `ms` have passed; whether it did. */
export async function eventually(probe: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (probe()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A spawned process whose output is collected, with a way to wait for a line of it. */
export interface Watched {
  child: ChildProcess;
  output(): string;
  /** Resolves once the output matches; rejects if the process exits first or `ms` pass. */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpExecArray>;
  /** Resolves with the exit code (or signal) and when it came. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

export function watch(
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; detached?: boolean; cwd?: string },
): Watched {
  const child = spawn(command, args, {
    env: options.env,
    cwd: options.cwd,
    detached: options.detached,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const waiters = new Set<() => void>();
  const add = (d: Buffer): void => {
    output += d.toString();
    waiters.forEach((w) => w());
  };
  child.stdout.on('data', add);
  child.stderr.on('data', add);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return {
    child,
    output: () => output,
    exited,
    waitFor: (pattern, ms = 120_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const match = pattern.exec(output);
          if (!match) return;
          cleanup();
          resolve(match);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no ${pattern} within ${ms} ms; output:\n${output}`));
        }, ms);
        void exited.then(({ code, signal }) => {
          if (!pattern.exec(output)) {
            cleanup();
            reject(new Error(`exited (${code ?? signal}) before ${pattern}; output:\n${output}`));
          }
        });
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
  };
}
