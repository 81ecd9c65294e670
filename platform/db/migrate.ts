import { SequelizeStorage, Umzug, type MigrationMeta } from 'umzug';
import type { Database } from './database.js';
import { ensureShellRoles } from './bootstrap.js';
import { shellMigrations, type MigrationContext } from './migrations/index.js';

/** Any fixed number: one migrator at a time per database, whichever process asks. */
const MIGRATION_LOCK = 7_400_311;

export interface MigrationStatus {
  executed: string[];
  pending: string[];
}

function migrator(db: Database): Umzug<MigrationContext> {
  return new Umzug<MigrationContext>({
    migrations: shellMigrations.map((m) => ({
      name: m.name,
      up: ({ context }) => m.up(context),
      down: ({ context }) => m.down(context),
    })),
    context: { db },
    storage: new SequelizeStorage({
      sequelize: db.sequelize,
      tableName: 'plinth_migrations',
      modelName: 'PlinthShellMigration',
    }),
    logger: undefined,
  });
}

/**
 * Runs `fn` in one transaction as the owner: DDL is transactional in PostgreSQL, so a
 * failing migration leaves the database as it was, history included.
 */
async function underLock<T>(db: Database, fn: (umzug: Umzug<MigrationContext>) => Promise<T>): Promise<T> {
  return db.unit({ role: 'connection' }, async () => {
    await db.exec('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await ensureShellRoles(db);
    return db.owner('shell migrations', () => fn(migrator(db)));
  });
}

const names = (metas: MigrationMeta[]): string[] => metas.map((m) => m.name);

export async function migrateUp(db: Database): Promise<string[]> {
  return underLock(db, async (umzug) => names(await umzug.up()));
}

/** Reverts the last migration, or all of them down to (and including) `to`, or every one with `to: 0`. */
export async function migrateDown(db: Database, to?: string | 0): Promise<string[]> {
  return underLock(db, async (umzug) => names(await umzug.down(to === undefined ? undefined : { to })));
}

export async function migrationStatus(db: Database): Promise<MigrationStatus> {
  return db.unit({ role: 'connection' }, async () => {
    const [table] = await db.rows<{ exists: boolean }>("SELECT to_regclass('public.plinth_migrations') IS NOT NULL AS exists");
    // Asking Umzug would create its history table, and a status check must write nothing.
    if (!table?.exists) return { executed: [], pending: shellMigrations.map((m) => m.name) };
    const umzug = migrator(db);
    return { executed: names(await umzug.executed()), pending: names(await umzug.pending()) };
  });
}
