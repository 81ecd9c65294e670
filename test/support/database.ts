import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig, type PlinthConfig } from '../../platform/config/index.js';
import { migrateUp, openDatabase, type Database } from '../../platform/db/index.js';
import { createEntities, type Entities } from '../../platform/entities/index.js';

/** Which database the suite runs on: the server at DATABASE_URL, or the embedded one. */
export const serverUrl = process.env.DATABASE_URL || undefined;
export const onServer = serverUrl !== undefined;

export interface TestDatabase {
  config: PlinthConfig;
  db: Database;
  entities: Entities;
  drop(): Promise<void>;
}

let counter = 0;

/**
 * A database nobody else uses: on a server, a new database (and role prefix) created from
 * DATABASE_URL; otherwise an embedded one in a temporary data dir. Migrated unless told not to.
 */
export async function freshDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-test-'));
  // Short: role names (prefix + mod_<module>_owner) must fit PostgreSQL's 63 characters.
  const name = `pt${process.pid.toString(36)}${Date.now().toString(36).slice(-5)}${counter++}`;
  let databaseUrl: string | undefined;
  if (serverUrl) {
    await admin(`CREATE DATABASE ${name}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
  }
  const config = { ...loadConfig({ ...process.env, PLINTH_DATA_DIR: dataDir, DATABASE_URL: databaseUrl ?? '' }) };
  const db = await openDatabase(config);
  if (options.migrate !== false) await migrateUp(db);
  return {
    config,
    db,
    entities: createEntities(db),
    async drop() {
      await db.close();
      if (serverUrl) {
        await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        const prefix = db.roles.prefix;
        const roles = await adminRows<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)', [
          prefix,
        ]);
        for (const r of roles) await admin(`DROP ROLE IF EXISTS "${r.rolname}"`);
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function adminRows<R>(sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as R[];
  } finally {
    await client.end();
  }
}

const admin = (sql: string): Promise<unknown> => adminRows(sql);

/** The shell tables whose row counts prove that a refused operation wrote nothing. */
const SHELL_TABLES = [
  'workspaces',
  'users',
  'memberships',
  'contacts',
  'contact_identities',
  'contact_merge_candidates',
  'events',
  'event_deliveries',
  'module_registry',
  'module_installations',
  'themes',
  'layout_definitions',
  'billing_accounts',
  'subscriptions',
];

export async function rowCounts(db: Database, tables: readonly string[] = SHELL_TABLES): Promise<Record<string, number>> {
  // As the connecting role, which sees every schema (modules' too) and every row.
  return db.unit({ role: 'connection' }, async () => {
    const counts: Record<string, number> = {};
    for (const table of tables) {
      const [row] = await db.rows<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
      counts[table] = Number(row.n);
    }
    return counts;
  });
}

/** A slug no other test uses. */
export const uniqueSlug = (base: string): string => `${base}-${Math.random().toString(36).slice(2, 8)}`;
