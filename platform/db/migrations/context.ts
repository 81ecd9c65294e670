import type { Database } from '../database.js';

/**
 * How a migration declares a SECURITY DEFINER function: `LANGUAGE sql ${SECURITY_DEFINER} AS …`.
 * It pins the search path with `pg_temp` last (0014-safe-definers says why); a bare SECURITY
 * DEFINER fails test/definers.test.ts and `plinth doctor --grants`.
 */
export { SECURITY_DEFINER } from '../definers.js';

/** What every shell migration receives. It runs inside the migrate unit, as the owner role. */
export interface MigrationContext {
  db: Database;
}

export interface ShellMigration {
  name: string;
  up(ctx: MigrationContext): Promise<void>;
  down(ctx: MigrationContext): Promise<void>;
}

/** Runs each statement of a migration in order (pg takes one statement per bound query). */
export async function run(ctx: MigrationContext, statements: string[]): Promise<void> {
  for (const statement of statements) await ctx.db.exec(statement);
}

/** Grants the application role the DML it needs on the given tables. */
export function grantApp(ctx: MigrationContext, tables: string[], privileges = 'SELECT, INSERT, UPDATE, DELETE'): string[] {
  const app = `"${ctx.db.roles.app}"`;
  return tables.map((table) => `GRANT ${privileges} ON ${table} TO ${app}`);
}

/** The trigger that keeps `updated_at` current, for one table. */
export function touchTrigger(table: string): string {
  return `CREATE TRIGGER ${table}_touch BEFORE UPDATE ON ${table}
    FOR EACH ROW EXECUTE FUNCTION plinth_touch_updated_at()`;
}
