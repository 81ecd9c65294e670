import { openPlatform, type Platform } from '../composition/index.js';
import { PlinthError } from '../errors/index.js';

/** Opens the platform for one command and closes it afterwards, whatever happens. */
export async function withPlatform<T>(fn: (platform: Platform) => Promise<T>): Promise<T> {
  const platform = await openPlatform();
  try {
    return await fn(platform);
  } finally {
    await platform.close();
    await platform.db.close();
  }
}

/** Prints a command's failure the way a person wants to read it, and sets a failing exit code. */
export function reportFailure(err: unknown): void {
  if (err instanceof PlinthError) {
    process.stderr.write(`error: ${err.message}\n`);
  } else {
    const parent = (err as { parent?: Error }).parent;
    process.stderr.write(`error: ${parent?.message ?? (err as Error).message ?? String(err)}\n`);
    if (process.env.PLINTH_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
  }
  process.exitCode = 1;
}

/** A secret read from standard input (one line), so it never shows in a process list or history. */
export async function readSecretFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/, 1)[0] ?? '';
}

/** Hides a URL's password when printing it. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}
