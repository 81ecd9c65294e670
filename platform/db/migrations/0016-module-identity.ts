import { escapeLiteral } from 'pg';
import { dropEntranceStatements, entranceStatements, type ModuleRoles } from '../module-entrances.js';
import { quoteIdent } from '../roles.js';
import { run, SECURITY_DEFINER, type MigrationContext, type ShellMigration } from './context.js';

/** What 0008 gave the current workspace: the setting, which any SQL of the session can write. */
const SETTING = "NULLIF(current_setting('app.workspace_id', true), '')::uuid";
const SETTING_QUALIFIED = "NULLIF(pg_catalog.current_setting('app.workspace_id', true), ''::pg_catalog.text)::pg_catalog.uuid";

/**
 * The workspace row-level security compares against no longer comes, for a module's roles, from
 * a setting the module's own SQL could write. The platform records it in `plinth_module_context`,
 * one row per backend, through a procedure only the application may call, with a random token
 * that the transaction carries in `plinth.context`; a module role reads the row through a
 * definer and can write neither it nor another backend's. Changing the token finds no row, so
 * no workspace. The same row says whether the platform is running the module's migrations, the
 * only time its owner role sees its rows.
 *
 * Module SQL enters through definer functions owned by its roles (module-entrances.ts): there
 * PostgreSQL refuses any change of role. Every module schema gets them here; installs and
 * upgrades make them from now on.
 */
export const moduleIdentity: ShellMigration = {
  name: '0016-module-identity',
  async up(ctx) {
    const { app, owner } = ctx.db.roles;
    await run(ctx, [
      `CREATE UNLOGGED TABLE plinth_module_context (
        backend integer PRIMARY KEY,
        token text NOT NULL,
        workspace_id uuid,
        maintenance boolean NOT NULL
      )`,
      `REVOKE ALL ON plinth_module_context FROM PUBLIC`,
      `CREATE PROCEDURE plinth_enter_workspace(token text, workspace uuid, maintenance boolean) LANGUAGE sql ${SECURITY_DEFINER}
         AS $$ INSERT INTO plinth_module_context (backend, token, workspace_id, maintenance)
               VALUES (pg_backend_pid(), token, workspace, maintenance)
               ON CONFLICT (backend) DO UPDATE
                 SET token = EXCLUDED.token, workspace_id = EXCLUDED.workspace_id, maintenance = EXCLUDED.maintenance $$`,
      `REVOKE ALL ON PROCEDURE plinth_enter_workspace(text, uuid, boolean) FROM PUBLIC`,
      `GRANT EXECUTE ON PROCEDURE plinth_enter_workspace(text, uuid, boolean) TO ${quoteIdent(app)}`,
      // Null unless the transaction carries the token of its backend's row: another token finds nothing.
      `CREATE FUNCTION plinth_module_workspace() RETURNS uuid LANGUAGE sql STABLE ${SECURITY_DEFINER}
         AS $$ SELECT workspace_id FROM plinth_module_context
                WHERE backend = pg_backend_pid() AND token = current_setting('plinth.context', true) $$`,
      // A module's owner role sees its tables' rows only while the platform runs its migrations: a view
      // or function it made runs as the owner, and outside a migration finds nothing.
      `CREATE FUNCTION plinth_module_maintenance() RETURNS boolean LANGUAGE sql STABLE ${SECURITY_DEFINER}
         AS $$ SELECT COALESCE((SELECT maintenance FROM plinth_module_context
                WHERE backend = pg_backend_pid() AND token = current_setting('plinth.context', true)), false) $$`,
      // Inlined into each policy (plain SQL, no settings of its own); every name qualified, since it
      // runs on a module's search path.
      `CREATE OR REPLACE FUNCTION plinth_current_workspace() RETURNS uuid LANGUAGE sql STABLE
         AS $$ SELECT CASE WHEN CURRENT_USER OPERATOR(pg_catalog.=) ANY (ARRAY[${escapeLiteral(app)}, ${escapeLiteral(owner)}]::pg_catalog.name[])
                           THEN ${SETTING_QUALIFIED} ELSE public.plinth_module_workspace() END $$`,
      `CREATE FUNCTION plinth_workspace_lineage(workspace uuid) RETURNS SETOF uuid LANGUAGE sql STABLE ${SECURITY_DEFINER}
         AS $$ WITH RECURSIVE up(id, parent_id) AS (
                 SELECT id, parent_id FROM workspaces WHERE id = workspace
                 UNION SELECT w.id, w.parent_id FROM workspaces w JOIN up ON w.id = up.parent_id
               ) SELECT id FROM up $$`,
      // No longer a definer: it asks for the caller's workspace, which only the caller's role decides.
      `CREATE OR REPLACE FUNCTION plinth_current_lineage() RETURNS SETOF uuid LANGUAGE sql STABLE SECURITY INVOKER
         AS $$ SELECT public.plinth_workspace_lineage(public.plinth_current_workspace()) $$`,
    ]);
    await ctx.db.unit({ role: 'connection' }, async () => {
      for (const module of await moduleSchemas(ctx)) {
        await run(ctx, [
          ...(await modulePolicies(
            ctx,
            module.schema,
            'public.plinth_current_workspace()',
            'public.plinth_module_maintenance()',
          )),
          ...entranceStatements(module),
        ]);
      }
    });
  },
  async down(ctx) {
    await ctx.db.unit({ role: 'connection' }, async () => {
      for (const module of await moduleSchemas(ctx))
        await run(ctx, [
          ...dropEntranceStatements(module.schema),
          ...(await modulePolicies(ctx, module.schema, SETTING, 'true')),
        ]);
    });
    await run(ctx, [
      `CREATE OR REPLACE FUNCTION plinth_current_lineage() RETURNS SETOF uuid LANGUAGE sql STABLE ${SECURITY_DEFINER}
         AS $$ WITH RECURSIVE up(id, parent_id) AS (
                 SELECT id, parent_id FROM workspaces WHERE id = ${SETTING}
                 UNION SELECT w.id, w.parent_id FROM workspaces w JOIN up ON w.id = up.parent_id
               ) SELECT id FROM up $$`,
      'DROP FUNCTION plinth_workspace_lineage(uuid)',
      `CREATE OR REPLACE FUNCTION plinth_current_workspace() RETURNS uuid LANGUAGE sql STABLE AS $$ SELECT ${SETTING} $$`,
      'DROP FUNCTION plinth_module_maintenance()',
      'DROP FUNCTION plinth_module_workspace()',
      'DROP PROCEDURE plinth_enter_workspace(text, uuid, boolean)',
      'DROP TABLE plinth_module_context',
    ]);
  },
};

/** Every module schema of this database with its two roles (the owner's name is the runtime role's plus `_owner`). */
function moduleSchemas(ctx: MigrationContext): Promise<ModuleRoles[]> {
  return ctx.db.rows<ModuleRoles>(
    `SELECT n.nspname AS schema, o.rolname AS "ownerRole", r.rolname AS "runtimeRole"
       FROM pg_namespace n JOIN pg_roles o ON o.oid = n.nspowner
       JOIN pg_roles r ON r.rolname || '_owner' = o.rolname
      WHERE starts_with(n.nspname, 'mod_') AND starts_with(o.rolname, $1)
      ORDER BY 1`,
    [`${ctx.db.roles.prefix}mod_`],
  );
}

/** Each module table's two policies: `tenant` (the runtime role) comparing against `current`, `maintenance` (the owner role) holding while `maintenance`. */
async function modulePolicies(ctx: MigrationContext, schema: string, current: string, maintenance: string): Promise<string[]> {
  const policies = await ctx.db.rows<{ table: string; policy: string }>(
    `SELECT tablename AS table, policyname AS policy FROM pg_policies
      WHERE schemaname = $1 AND policyname IN ('tenant', 'maintenance') ORDER BY 1, 2`,
    [schema],
  );
  return policies.map(({ table, policy }) => {
    const on = `${quoteIdent(schema)}.${quoteIdent(table)}`;
    const condition = policy === 'tenant' ? `workspace_id = ${current}` : maintenance;
    return `ALTER POLICY ${policy} ON ${on} USING (${condition}) WITH CHECK (${condition})`;
  });
}
