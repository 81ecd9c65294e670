/**
 * Role names. Roles are cluster-wide while tables are per database, so every name carries a
 * prefix: several Plinth databases (dev, each test run) can share one PostgreSQL server.
 */
export interface ShellRoles {
  prefix: string;
  /** NOLOGIN; owns the shell's tables. Bypasses row-level security, so used only for maintenance. */
  owner: string;
  /** NOBYPASSRLS; every application transaction runs as this role. */
  app: string;
}

const ROLE_PREFIX = /^[a-z_][a-z0-9_]{0,30}$|^$/;

export function shellRoles(prefix: string): ShellRoles {
  if (!ROLE_PREFIX.test(prefix)) {
    throw new Error(`PLINTH_ROLE_PREFIX: "${prefix}" must be lower-case letters, digits and _ (at most 31)`);
  }
  return { prefix, owner: `${prefix}plinth_owner`, app: `${prefix}plinth_app` };
}

/**
 * The embedded database is a cluster of its own, so it needs no prefix; on a server the
 * database name keeps two databases' roles apart.
 */
export function defaultRolePrefix(mode: 'embedded' | 'server', databaseName: string): string {
  if (mode === 'embedded') return '';
  const cleaned = databaseName
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 30);
  return `${/^[a-z_]/.test(cleaned) ? '' : 'd'}${cleaned}_`;
}

/** Quotes an identifier for SQL text (role and schema names cannot be bind parameters). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
