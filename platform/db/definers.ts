import type { Database } from './database.js';

/**
 * The search path of every SECURITY DEFINER function of the shell. PostgreSQL searches the
 * session's temporary schema first unless the path names it: a definer pinned to `public` alone
 * would read a caller's `CREATE TEMP VIEW memberships` instead of the table, with its owner's
 * rights. `pg_catalog` first, `pg_temp` last: nothing a caller makes can stand in for either.
 */
export const DEFINER_SEARCH_PATH = 'pg_catalog, public, pg_temp';

/** What a `CREATE FUNCTION` of the shell says to run as its owner: use this, never a bare SECURITY DEFINER. */
export const SECURITY_DEFINER = `SECURITY DEFINER SET search_path = ${DEFINER_SEARCH_PATH}`;

export interface DefinerFunction {
  /** `public.name(argument types)`: what ALTER FUNCTION takes. */
  signature: string;
  owner: string;
  /** `proconfig`: the settings the function sets for its run (`search_path=…`), or null. */
  config: string[] | null;
}

/** The value of `search_path` a function sets, or null when it sets none. */
export function searchPathOf(config: string[] | null): string | null {
  const entry = (config ?? []).find((c) => c.startsWith('search_path='));
  return entry === undefined ? null : entry.slice('search_path='.length);
}

/**
 * Whether a definer's own search path keeps the temporary schema out of reach: set, and naming
 * `pg_temp` last (unnamed, PostgreSQL would search it first).
 */
export function pinsTemporarySchemaLast(config: string[] | null): boolean {
  const path = searchPathOf(config);
  if (path === null) return false;
  const schemas = path.split(',').map((s) => s.trim().replace(/^"(.*)"$/, '$1'));
  return schemas[schemas.length - 1] === 'pg_temp' && schemas.filter((s) => s === 'pg_temp').length === 1;
}

/** Every SECURITY DEFINER function in `public`, whoever owns it. Runs in the caller's unit. */
export function definersInPublic(db: Database): Promise<DefinerFunction[]> {
  return db.rows<DefinerFunction>(
    `SELECT format('public.%I(%s)', p.proname, pg_get_function_identity_arguments(p.oid)) AS signature,
            pg_get_userbyid(p.proowner) AS owner, p.proconfig AS config
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE p.prosecdef AND n.nspname = 'public'
      ORDER BY 1`,
  );
}

/** Which of `roles` may create temporary objects in this database (directly, through PUBLIC or a membership). */
export async function rolesWithTemporary(db: Database, roles: string[]): Promise<string[]> {
  const rows = await db.rows<{ role: string }>(
    `SELECT r.rolname AS role FROM pg_roles r
      WHERE r.rolname = ANY($1::text[]) AND has_database_privilege(r.oid, current_database(), 'TEMPORARY')
      ORDER BY 1`,
    [roles],
  );
  return rows.map((r) => r.role);
}
