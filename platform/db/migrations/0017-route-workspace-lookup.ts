import { quoteIdent } from '../roles.js';
import { run, SECURITY_DEFINER, type ShellMigration } from './context.js';

/**
 * The workspace a public module route names, in one statement whose answer is empty alike for a
 * workspace that does not exist and for one where the module is not enabled: both refusals then
 * cost the caller the same work, so the time of a 404 does not tell which workspaces exist. A
 * definer, since the application may read a workspace's installations only once inside it, and
 * which workspace that is is what the lookup finds out. Callable by the application alone.
 */
export const routeWorkspaceLookup: ShellMigration = {
  name: '0017-route-workspace-lookup',
  async up(ctx) {
    await run(ctx, [
      `CREATE FUNCTION plinth_route_workspace(workspace_slug text, route_module text)
         RETURNS TABLE (id uuid, secret text) LANGUAGE sql STABLE ${SECURITY_DEFINER}
         AS $$ SELECT w.id, s.secret
                 FROM workspaces w
                 JOIN module_installations mi ON mi.workspace_id = w.id AND mi.module_id = route_module AND mi.enabled
                 LEFT JOIN route_secrets s ON s.workspace_id = w.id AND s.module_id = route_module
                WHERE w.slug = workspace_slug $$`,
      `REVOKE ALL ON FUNCTION plinth_route_workspace(text, text) FROM PUBLIC`,
      `GRANT EXECUTE ON FUNCTION plinth_route_workspace(text, text) TO ${quoteIdent(ctx.db.roles.app)}`,
    ]);
  },
  async down(ctx) {
    await run(ctx, ['DROP FUNCTION plinth_route_workspace(text, text)']);
  },
};
