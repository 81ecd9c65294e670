import { quoteIdent, type Database } from '../db/index.js';
import type { PluginManifest } from '../manifests/index.js';
import type { ModuleNames } from './names.js';

type Capability = PluginManifest['capabilities']['requires'][number];

/** A shell table a capability lets a module read, and the columns (all when absent). */
interface ShellRead {
  table: string;
  columns?: string[];
}

/**
 * What each read capability grants a module's runtime role: SELECT on these shell tables,
 * seen through `security_invoker` views in the module's schema, so the table's row-level
 * security applies to the module. Write capabilities grant nothing in the database: writes
 * go through the shell's API, which checks them.
 */
export const SHELL_READS: Partial<Record<Capability, ShellRead[]>> = {
  'contacts:read': [{ table: 'contacts' }, { table: 'contact_identities' }],
  'workspaces:read': [
    { table: 'workspaces', columns: ['id', 'parent_id', 'slug', 'name', 'settings', 'theme_id', 'created_at', 'updated_at'] },
  ],
  'users:read': [{ table: 'users', columns: ['id', 'email', 'name', 'status', 'created_at'] }, { table: 'memberships' }],
  'themes:read': [{ table: 'themes' }],
  'layouts:read': [{ table: 'layout_definitions' }],
  'billing:read': [{ table: 'billing_accounts' }, { table: 'subscriptions' }],
};

const ALL_READABLE = [...new Set(Object.values(SHELL_READS).flatMap((reads) => reads.map((r) => r.table)))];

/** The shell reads a manifest's capabilities amount to. */
export function shellReadsOf(manifest: PluginManifest): ShellRead[] {
  const reads = new Map<string, ShellRead>();
  for (const capability of manifest.capabilities.requires) for (const r of SHELL_READS[capability] ?? []) reads.set(r.table, r);
  return [...reads.values()];
}

/**
 * Brings the runtime role's rights on shell tables (and its views of them) in line with the
 * manifest: everything is revoked and dropped, then what `requires` grants is granted again,
 * so an upgrade that changes `requires` changes the grants. Runs as the connecting role.
 */
export async function applyShellAccess(db: Database, names: ModuleNames, manifest: PluginManifest): Promise<void> {
  const runtime = quoteIdent(names.runtimeRole);
  const schema = quoteIdent(names.schema);
  for (const table of ALL_READABLE) {
    await db.exec(`DROP VIEW IF EXISTS ${schema}.${quoteIdent(table)}`);
    await db.exec(`REVOKE ALL ON public.${quoteIdent(table)} FROM ${runtime}`);
  }
  for (const { table, columns } of shellReadsOf(manifest)) {
    const list = columns ? columns.map(quoteIdent).join(', ') : '*';
    await db.exec(`GRANT SELECT ${columns ? `(${list})` : ''} ON public.${quoteIdent(table)} TO ${runtime}`);
    await db.exec(
      `CREATE VIEW ${schema}.${quoteIdent(table)} WITH (security_invoker = true) AS SELECT ${list} FROM public.${quoteIdent(table)}`,
    );
    await db.exec(`ALTER VIEW ${schema}.${quoteIdent(table)} OWNER TO ${quoteIdent(db.roles.owner)}`);
    await db.exec(`GRANT SELECT ON ${schema}.${quoteIdent(table)} TO ${runtime}`);
  }
}
