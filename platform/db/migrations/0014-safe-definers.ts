import { PlinthError } from '../../errors/index.js';
import { DEFINER_SEARCH_PATH, definersInPublic, rolesWithTemporary } from '../definers.js';
import { quoteIdent } from '../roles.js';
import type { MigrationContext, ShellMigration } from './context.js';

/** What migrations 0008 to 0012 gave every definer: what `down` restores. */
const PREVIOUS_SEARCH_PATH = 'public';

/**
 * Definer functions can no longer be led to a caller's temporary objects, and no one but the
 * connecting user can make any. A module's role had created `TEMP VIEW memberships`, which
 * `plinth_user_memberships()` (search path `public`, so the temporary schema first) read as the
 * owner: a member signed in as owner of every workspace. Two fixes, each enough on its own:
 * every SECURITY DEFINER function of the shell gets DEFINER_SEARCH_PATH (`pg_temp` last), found
 * in the catalog rather than listed, so none is missed; and TEMPORARY on this database is taken
 * from PUBLIC, hence from the application and every module role. A grant on a database belongs to
 * that database alone: each Plinth database sharing a server revokes its own.
 * Runs as the connecting user: only the database's owner (or a superuser) may revoke on it.
 */
export const safeDefiners: ShellMigration = {
  name: '0014-safe-definers',
  async up(ctx) {
    await ctx.db.unit({ role: 'connection' }, async () => {
      await setDefinerPaths(ctx, DEFINER_SEARCH_PATH);
      const database = await currentDatabase(ctx);
      const roles = await platformRoles(ctx);
      for (const grantee of ['PUBLIC', ...roles.map(quoteIdent)])
        await ctx.db.exec(`REVOKE TEMPORARY ON DATABASE ${quoteIdent(database)} FROM ${grantee}`);
      // A REVOKE by someone who may not revoke is only a warning in PostgreSQL: check that it took.
      const still = await rolesWithTemporary(ctx.db, roles);
      if (still.length > 0) {
        throw new PlinthError(
          'temporary_not_revoked',
          `0014-safe-definers: ${still.join(', ')} can still create temporary objects in database "${database}"; ` +
            'run the migration connected as the database owner or a superuser',
          database,
        );
      }
    });
  },
  async down(ctx) {
    await ctx.db.unit({ role: 'connection' }, async () => {
      await setDefinerPaths(ctx, PREVIOUS_SEARCH_PATH);
      await ctx.db.exec(`GRANT TEMPORARY ON DATABASE ${quoteIdent(await currentDatabase(ctx))} TO PUBLIC`);
    });
  },
};

/** Sets the search path of every definer in `public` that the shell's roles own. */
async function setDefinerPaths(ctx: MigrationContext, searchPath: string): Promise<void> {
  const shell = new Set([ctx.db.roles.owner, ctx.db.roles.app]);
  for (const definer of await definersInPublic(ctx.db)) {
    if (shell.has(definer.owner)) await ctx.db.exec(`ALTER FUNCTION ${definer.signature} SET search_path = ${searchPath}`);
  }
}

async function currentDatabase(ctx: MigrationContext): Promise<string> {
  const [row] = await ctx.db.rows<{ name: string }>('SELECT current_database() AS name');
  return row!.name; // a SELECT without FROM answers one row
}

/** The shell's two roles and every module role of this prefix (roles are cluster-wide; the prefix keeps them apart). */
async function platformRoles(ctx: MigrationContext): Promise<string[]> {
  const { owner, app, prefix } = ctx.db.roles;
  const modules = await ctx.db.rows<{ rolname: string }>(
    'SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1) ORDER BY 1',
    [`${prefix}mod_`],
  );
  return [owner, app, ...modules.map((r) => r.rolname)];
}
