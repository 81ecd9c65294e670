import { quoteIdent } from '../roles.js';
import { run, type MigrationContext, type ShellMigration } from './context.js';

/** Tables whose every row belongs to one workspace: readable and writable only inside it. */
const TENANT_TABLES = [
  'contacts',
  'contact_identities',
  'contact_merge_candidates',
  'events',
  'event_deliveries',
  'module_installations',
  'memberships',
  'subscriptions',
];
/** Tables of records a workspace inherits from its lineage (and defaults with no workspace), writable only in its own. */
const INHERITED_TABLES = ['themes', 'layout_definitions', 'billing_accounts'];

const CURRENT = 'plinth_current_workspace()';

function forced(ctx: MigrationContext, table: string): string[] {
  return [
    `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`,
    // The owner runs migrations, seeds and installs: explicit, and only as logged maintenance.
    `CREATE POLICY maintenance ON ${table} TO ${quoteIdent(ctx.db.roles.owner)} USING (true) WITH CHECK (true)`,
  ];
}

/**
 * Row-level security, forced, on every tenant table. A transaction sees the rows of the
 * workspace in `app.workspace_id` and nothing when it is unset (or '' — what the embedded
 * database leaves after an earlier transaction set it). Workspaces and users are directories:
 * the application reads them whole, a module role only its workspace and that workspace's members.
 */
export const rowLevelSecurity: ShellMigration = {
  name: '0008-row-level-security',
  async up(ctx) {
    const app = quoteIdent(ctx.db.roles.app);
    await run(ctx, [
      `CREATE FUNCTION plinth_current_workspace() RETURNS uuid LANGUAGE sql STABLE
         AS $$ SELECT NULLIF(current_setting('app.workspace_id', true), '')::uuid $$`,
      // The current workspace and its ancestors. Runs as the owner, who reads workspaces whole,
      // so a module role evaluating a policy needs no right on other workspaces; it says
      // nothing about any workspace but the current one's lineage.
      `CREATE FUNCTION plinth_current_lineage() RETURNS SETOF uuid LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
         AS $$ WITH RECURSIVE up(id, parent_id) AS (
                 SELECT id, parent_id FROM workspaces WHERE id = NULLIF(current_setting('app.workspace_id', true), '')::uuid
                 UNION SELECT w.id, w.parent_id FROM workspaces w JOIN up ON w.id = up.parent_id
               ) SELECT id FROM up $$`,
      // The workspaces a signing-in user belongs to, read before any workspace is chosen.
      `CREATE FUNCTION plinth_user_memberships(uid uuid)
         RETURNS TABLE (workspace_id uuid, user_id uuid, role text, slug text, name text)
         LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
         AS $$ SELECT m.workspace_id, m.user_id, m.role, w.slug, w.name
                 FROM memberships m JOIN workspaces w ON w.id = m.workspace_id
                WHERE m.user_id = uid ORDER BY w.slug $$`,
      `REVOKE ALL ON FUNCTION plinth_user_memberships(uuid) FROM PUBLIC`,
      `GRANT EXECUTE ON FUNCTION plinth_user_memberships(uuid) TO ${app}`,
      ...TENANT_TABLES.flatMap((t) => [
        ...forced(ctx, t),
        `CREATE POLICY tenant ON ${t} USING (workspace_id = ${CURRENT}) WITH CHECK (workspace_id = ${CURRENT})`,
      ]),
      ...INHERITED_TABLES.flatMap((t) => [
        ...forced(ctx, t),
        `CREATE POLICY inherited_read ON ${t} FOR SELECT
           USING (${t === 'billing_accounts' ? '' : 'workspace_id IS NULL OR '}workspace_id IN (SELECT plinth_current_lineage()))`,
        `CREATE POLICY own_insert ON ${t} FOR INSERT WITH CHECK (workspace_id = ${CURRENT})`,
        `CREATE POLICY own_update ON ${t} FOR UPDATE USING (workspace_id = ${CURRENT}) WITH CHECK (workspace_id = ${CURRENT})`,
        `CREATE POLICY own_delete ON ${t} FOR DELETE USING (workspace_id = ${CURRENT})`,
      ]),
      `ALTER TABLE workspaces ENABLE ROW LEVEL SECURITY`,
      `CREATE POLICY directory ON workspaces TO ${app} USING (true) WITH CHECK (true)`,
      `CREATE POLICY own_workspace ON workspaces FOR SELECT USING (id = ${CURRENT})`,
      `ALTER TABLE users ENABLE ROW LEVEL SECURITY`,
      `CREATE POLICY directory ON users TO ${app} USING (true) WITH CHECK (true)`,
      `CREATE POLICY workspace_members ON users FOR SELECT
         USING (id IN (SELECT user_id FROM memberships WHERE workspace_id = ${CURRENT}))`,
    ]);
  },
  async down(ctx) {
    const policies = [
      ...TENANT_TABLES.flatMap((t) => [`maintenance ON ${t}`, `tenant ON ${t}`]),
      ...INHERITED_TABLES.flatMap((t) =>
        ['maintenance', 'inherited_read', 'own_insert', 'own_update', 'own_delete'].map((p) => `${p} ON ${t}`),
      ),
      'directory ON workspaces',
      'own_workspace ON workspaces',
      'directory ON users',
      'workspace_members ON users',
    ];
    await run(ctx, [
      ...policies.map((p) => `DROP POLICY ${p}`),
      ...[...TENANT_TABLES, ...INHERITED_TABLES, 'workspaces', 'users'].map(
        (t) => `ALTER TABLE ${t} NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY`,
      ),
      'DROP FUNCTION plinth_user_memberships(uuid)',
      'DROP FUNCTION plinth_current_lineage()',
      'DROP FUNCTION plinth_current_workspace()',
    ]);
  },
};
