import { quoteIdent } from '../roles.js';
import { grantApp, run, type ShellMigration } from './context.js';

/** Tables whose changes change some workspace's generated admin screens. */
const SCREEN_SOURCES = ['themes', 'layout_definitions', 'module_installations', 'module_registry', 'workspaces'];

/**
 * The admin's state: sessions (so restarts and screen rebuilds keep people signed in), login
 * failure counters per account and per address, and one configuration version that every change
 * to a screen's sources moves, so that every web process sees the change on its next request.
 */
export const admin: ShellMigration = {
  name: '0011-admin',
  async up(ctx) {
    const app = quoteIdent(ctx.db.roles.app);
    await run(ctx, [
      `CREATE TABLE admin_sessions (
        sid text PRIMARY KEY,
        data jsonb NOT NULL,
        expires_at timestamptz NOT NULL
      )`,
      `CREATE INDEX admin_sessions_expiry_idx ON admin_sessions (expires_at)`,
      `CREATE TABLE login_failures (
        key text PRIMARY KEY CONSTRAINT login_failures_key_format CHECK (key ~ '^(account|address):.' AND length(key) <= 320),
        failures integer NOT NULL CONSTRAINT login_failures_count CHECK (failures >= 0),
        window_start timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE TABLE admin_config (version bigint NOT NULL)`,
      `INSERT INTO admin_config VALUES (1)`,
      `CREATE FUNCTION plinth_admin_config_changed() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
         AS $$ BEGIN UPDATE admin_config SET version = version + 1; RETURN NULL; END $$`,
      `REVOKE ALL ON FUNCTION plinth_admin_config_changed() FROM PUBLIC`,
      ...SCREEN_SOURCES.map(
        (t) => `CREATE TRIGGER ${t}_admin_config AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${t}
                  FOR EACH STATEMENT EXECUTE FUNCTION plinth_admin_config_changed()`,
      ),
      ...grantApp(ctx, ['admin_sessions', 'login_failures']),
      `GRANT SELECT ON admin_config TO ${app}`,
    ]);
  },
  async down(ctx) {
    await run(ctx, [
      ...SCREEN_SOURCES.map((t) => `DROP TRIGGER ${t}_admin_config ON ${t}`),
      'DROP FUNCTION plinth_admin_config_changed()',
      'DROP TABLE admin_config',
      'DROP TABLE login_failures',
      'DROP TABLE admin_sessions',
    ]);
  },
};
