import { grantApp, run, type ShellMigration } from './context.js';

/**
 * The published packages themselves (bundled ones are read from the release's plugins/), so
 * every machine of a deployment installs the same bytes; and at most one installed version
 * per module.
 */
export const modulePackages: ShellMigration = {
  name: '0007-module-packages',
  async up(ctx) {
    await run(ctx, [
      `CREATE TABLE module_packages (
        registry_id uuid PRIMARY KEY REFERENCES module_registry(id) ON DELETE CASCADE,
        tarball bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE UNIQUE INDEX module_registry_one_installed ON module_registry (module_id) WHERE status = 'installed'`,
      ...grantApp(ctx, ['module_packages'], 'SELECT, INSERT'),
    ]);
  },
  async down(ctx) {
    await run(ctx, ['DROP INDEX module_registry_one_installed', 'DROP TABLE module_packages']);
  },
};
