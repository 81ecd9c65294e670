import { grantApp, run, touchTrigger, type ShellMigration } from './context.js';

/** The marketplace registry (one row per module version) and which workspace runs which module. */
export const modules: ShellMigration = {
  name: '0004-modules',
  async up(ctx) {
    await run(ctx, [
      `CREATE TABLE module_registry (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        module_id text NOT NULL CONSTRAINT module_registry_module_id_format CHECK (module_id ~ '^[a-z][a-z0-9-]{1,30}$'),
        version text NOT NULL CONSTRAINT module_registry_version_semver
          CHECK (version ~ '^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$'),
        manifest jsonb NOT NULL CONSTRAINT module_registry_manifest_object CHECK (jsonb_typeof(manifest) = 'object'),
        package_sha256 text CONSTRAINT module_registry_sha256_format CHECK (package_sha256 ~ '^[0-9a-f]{64}$'),
        signature text,
        signing_key text,
        source text NOT NULL CONSTRAINT module_registry_source CHECK (source IN ('bundled', 'published')),
        status text NOT NULL DEFAULT 'published'
          CONSTRAINT module_registry_status CHECK (status IN ('published', 'installed', 'uninstalled', 'withdrawn')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT module_registry_version_key UNIQUE (module_id, version)
      )`,
      touchTrigger('module_registry'),
      `CREATE TABLE module_installations (
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        module_id text NOT NULL,
        registry_id uuid NOT NULL REFERENCES module_registry(id) ON DELETE RESTRICT,
        enabled boolean NOT NULL DEFAULT true,
        settings jsonb NOT NULL DEFAULT '{}'
          CONSTRAINT module_installations_settings_object CHECK (jsonb_typeof(settings) = 'object'),
        enabled_at timestamptz,
        disabled_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace_id, module_id)
      )`,
      `CREATE INDEX module_installations_enabled_idx ON module_installations (module_id, workspace_id) WHERE enabled`,
      `CREATE INDEX module_installations_registry_idx ON module_installations (registry_id)`,
      touchTrigger('module_installations'),
      ...grantApp(ctx, ['module_registry', 'module_installations']),
    ]);
  },
  async down(ctx) {
    await run(ctx, ['DROP TABLE module_installations', 'DROP TABLE module_registry']);
  },
};
