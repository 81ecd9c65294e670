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

/** The shell tables whose contents prove that a refused operation wrote nothing. */
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

/** How many rows `query` returns, and a digest of all of them: an UPDATE that keeps the count still changes it. */
export interface Contents {
  rows: number;
  digest: string;
}

/** The contents of what `query` selects, in any order. Run it in a unit that may read every row. */
export async function contentsOf(db: Database, query: string, params: unknown[] = []): Promise<Contents> {
  const [row] = await db.rows<{ rows: string; digest: string }>(
    `SELECT count(*) AS rows, md5(coalesce(string_agg(whole_row::text, '|' ORDER BY whole_row::text), '')) AS digest
       FROM (${query}) whole_row`,
    params,
  );
  return { rows: Number(row.rows), digest: row.digest };
}

/** Each table's row count and a digest of its rows: equal before and after, nothing was written to it. */
export async function rowCounts(db: Database, tables: readonly string[] = SHELL_TABLES): Promise<Record<string, Contents>> {
  // As the connecting role, which sees every schema (modules' too) and every row.
  return db.unit({ role: 'connection' }, async () => {
    const contents: Record<string, Contents> = {};
    for (const table of tables) contents[table] = await contentsOf(db, `SELECT * FROM ${table}`);
    return contents;
  });
}

/** A slug no other test uses. */
export const uniqueSlug = (base: string): string => `${base}-${Math.random().toString(36).slice(2, 8)}`;
