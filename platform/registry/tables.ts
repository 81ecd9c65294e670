import { quoteIdent, type Database } from '../db/index.js';
import type { PluginManifest } from '../manifests/index.js';
import type { ModuleNames } from './names.js';

type TableDecl = NonNullable<PluginManifest['tables']>[number];
type ColumnDecl = TableDecl['schema']['properties'][string];

/** The SQL type of a declared column: its JSON Schema type and, for strings, format. */
export function sqlType(column: ColumnDecl): string {
  switch (column.type) {
    case 'string':
      return { 'date-time': 'timestamp with time zone', date: 'date', uuid: 'uuid' }[column.format ?? ''] ?? 'text';
    case 'integer':
      return 'bigint';
    case 'number':
      return 'double precision';
    case 'boolean':
      return 'boolean';
    default:
      return 'jsonb';
  }
}

/** For a module's role, the workspace the platform recorded, which its SQL cannot write (0016-module-identity). */
const tenantPredicate = 'workspace_id = public.plinth_current_workspace()';
const maintenance = 'public.plinth_module_maintenance()';

/**
 * Statements that create a declared table as the module's owner: the shell's columns
 * (id, workspace_id, timestamps), the declared ones, indexes, and row-level security forced
 * on it — the runtime role sees only the rows of the workspace its transaction is set to.
 */
export function createTableStatements(names: ModuleNames, table: TableDecl): string[] {
  const t = `${quoteIdent(names.schema)}.${quoteIdent(table.name)}`;
  const required = new Set(table.schema.required ?? []);
  const columns = Object.entries(table.schema.properties).map(
    ([name, c]) => `${quoteIdent(name)} ${sqlType(c)}${required.has(name) ? ' NOT NULL' : ''}`,
  );
  const runtime = quoteIdent(names.runtimeRole);
  return [
    `CREATE TABLE ${t} (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES public.workspaces(id) ON DELETE CASCADE,
      ${columns.join(',\n      ')},
      created_at timestamp with time zone NOT NULL DEFAULT now(),
      updated_at timestamp with time zone NOT NULL DEFAULT now()
    )`,
    `CREATE INDEX ${quoteIdent(`${table.name}_workspace_idx`)} ON ${t} (workspace_id, created_at DESC)`,
    ...(table.indexes ?? []).map(
      (index, i) =>
        `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${quoteIdent(`${table.name}_${i + 1}_idx`)} ON ${t} (workspace_id, ${index.columns.map(quoteIdent).join(', ')})`,
    ),
    `CREATE TRIGGER ${quoteIdent(`${table.name}_touch`)} BEFORE UPDATE ON ${t} FOR EACH ROW EXECUTE FUNCTION public.plinth_touch_updated_at()`,
    `ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE ${t} FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY tenant ON ${t} TO ${runtime} USING (${tenantPredicate}) WITH CHECK (${tenantPredicate})`,
    // The owner runs only the module's migrations, which may need every row (a backfill); outside
    // them (a view or function the owner made, run later) it sees none.
    `CREATE POLICY maintenance ON ${t} TO ${quoteIdent(names.ownerRole)} USING (${maintenance}) WITH CHECK (${maintenance})`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ${t} TO ${runtime}`,
  ];
}

interface LiveColumn {
  table_name: string;
  column_name: string;
  data_type: string;
  is_nullable: 'YES' | 'NO';
}

/** Differences between the module's live tables and its manifest; empty when they agree. */
export async function columnMismatches(db: Database, names: ModuleNames, manifest: PluginManifest): Promise<string[]> {
  const live = await db.rows<LiveColumn>(
    `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
      WHERE table_schema = $1 AND table_name <> 'plinth_migrations' ORDER BY table_name, ordinal_position`,
    [names.schema],
  );
  const problems: string[] = [];
  for (const table of manifest.tables ?? []) {
    const columns = live.filter((c) => c.table_name === table.name);
    if (columns.length === 0) {
      problems.push(`table ${table.name} does not exist`);
      continue;
    }
    const required = new Set(table.schema.required ?? []);
    for (const [name, decl] of Object.entries(table.schema.properties)) {
      const c = columns.find((x) => x.column_name === name);
      if (!c) problems.push(`${table.name}.${name} is declared but does not exist`);
      else if (c.data_type !== sqlType(decl)) problems.push(`${table.name}.${name} is ${c.data_type}, declared ${sqlType(decl)}`);
      else if ((c.is_nullable === 'NO') !== required.has(name)) {
        problems.push(
          `${table.name}.${name} is ${c.is_nullable === 'NO' ? 'NOT NULL' : 'nullable'}, declared ${required.has(name) ? 'required' : 'optional'}`,
        );
      }
    }
    const declared = new Set([...Object.keys(table.schema.properties), 'id', 'workspace_id', 'created_at', 'updated_at']);
    for (const c of columns)
      if (!declared.has(c.column_name)) problems.push(`${table.name}.${c.column_name} exists but is not declared`);
  }
  return problems;
}
