import { quoteIdent } from '../roles.js';
import { grantApp, run, type ShellMigration } from './context.js';

/**
 * What the shell keeps for modules' public routes: request counters per address (so every web
 * process and a restart see the same counts), and each workspace's signing secret per module for
 * its signed webhooks. Secrets are readable by the shell only: no module role is granted them.
 */
export const moduleRoutes: ShellMigration = {
  name: '0013-module-routes',
  async up(ctx) {
    await run(ctx, [
      `CREATE TABLE route_hits (
        key text PRIMARY KEY CONSTRAINT route_hits_key_length CHECK (length(key) <= 400),
        hits integer NOT NULL CONSTRAINT route_hits_count CHECK (hits >= 0),
        window_start timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE TABLE route_secrets (
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        module_id text NOT NULL,
        secret text NOT NULL CONSTRAINT route_secrets_format CHECK (secret ~ '^[0-9a-f]{64}$'),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace_id, module_id)
      )`,
      `ALTER TABLE route_secrets ENABLE ROW LEVEL SECURITY`,
      `ALTER TABLE route_secrets FORCE ROW LEVEL SECURITY`,
      `CREATE POLICY maintenance ON route_secrets TO ${quoteIdent(ctx.db.roles.owner)} USING (true) WITH CHECK (true)`,
      `CREATE POLICY tenant ON route_secrets USING (workspace_id = plinth_current_workspace())
         WITH CHECK (workspace_id = plinth_current_workspace())`,
      ...grantApp(ctx, ['route_hits', 'route_secrets']),
    ]);
  },
  async down(ctx) {
    await run(ctx, ['DROP TABLE route_secrets', 'DROP TABLE route_hits']);
  },
};
