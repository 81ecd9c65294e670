import { run, type ShellMigration } from './context.js';

/**
 * Two things that spare the admin round trips. A version of all memberships, moved by every
 * change to them and read with each admin session: a process re-reads a user's role only when it
 * moved, so a demotion still takes effect on the very next request, in every process. And the
 * planner's row estimate of a query as a function, so a list's page, its capped count and, past
 * the cap, its estimated total come back in one statement.
 */
export const adminFastPaths: ShellMigration = {
  name: '0012-admin-fast-paths',
  async up(ctx) {
    await run(ctx, [
      // Invoker's rights, executable by any role (the default): EXPLAIN plans without running, under the caller's own
      // grants and policies. Volatile, as PostgreSQL requires of a function that runs EXPLAIN.
      `CREATE FUNCTION plinth_estimated_rows(query text) RETURNS bigint LANGUAGE plpgsql VOLATILE
         AS $$ DECLARE plan json; BEGIN
           EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO plan;
           RETURN (plan -> 0 -> 'Plan' ->> 'Plan Rows')::numeric::bigint;
         END $$`,
      `ALTER TABLE admin_config ADD COLUMN memberships_version bigint NOT NULL DEFAULT 1`,
      `CREATE FUNCTION plinth_memberships_changed() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
         AS $$ BEGIN UPDATE admin_config SET memberships_version = memberships_version + 1; RETURN NULL; END $$`,
      `REVOKE ALL ON FUNCTION plinth_memberships_changed() FROM PUBLIC`,
      `CREATE TRIGGER memberships_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON memberships
         FOR EACH STATEMENT EXECUTE FUNCTION plinth_memberships_changed()`,
    ]);
  },
  async down(ctx) {
    await run(ctx, [
      'DROP FUNCTION plinth_estimated_rows(text)',
      'DROP TRIGGER memberships_version ON memberships',
      'DROP FUNCTION plinth_memberships_changed()',
      'ALTER TABLE admin_config DROP COLUMN memberships_version',
    ]);
  },
};
