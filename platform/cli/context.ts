import { loadConfig, type PlinthConfig } from '../config/index.js';
import { openDatabase, type Database } from '../db/index.js';
import { createEntities, type Entities } from '../entities/index.js';
import { PlinthError } from '../errors/index.js';
import { EventBus } from '../events/index.js';
import { createMarketplace, type Marketplace } from '../registry/index.js';

export interface Platform {
  config: PlinthConfig;
  db: Database;
  entities: Entities;
  bus: EventBus;
  marketplace: Marketplace;
}

/** Opens the platform for one command and closes it afterwards, whatever happens. */
export async function withPlatform<T>(fn: (platform: Platform) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = await openDatabase(config);
  let bus: EventBus | undefined;
  try {
    const entities = createEntities(db);
    bus = new EventBus(db, { notifyUrl: config.databaseUrl });
    return await fn({ config, db, entities, bus, marketplace: createMarketplace(db, entities, config, bus) });
  } finally {
    await bus?.close();
    await db.close();
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
