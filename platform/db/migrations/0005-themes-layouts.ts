import { grantApp, run, touchTrigger, type ShellMigration } from './context.js';

/**
 * White-label themes and screen layouts. A row without workspace is a default shipped with
 * the repository or a module; a workspace's rows override its parent's, which override those.
 */
export const themesLayouts: ShellMigration = {
  name: '0005-themes-layouts',
  async up(ctx) {
    await run(ctx, [
      `CREATE TABLE themes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid REFERENCES workspaces(id) ON DELETE CASCADE,
        key text NOT NULL CONSTRAINT themes_key_format CHECK (key ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
        name text NOT NULL,
        definition jsonb NOT NULL CONSTRAINT themes_definition_object CHECK (jsonb_typeof(definition) = 'object'),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE UNIQUE INDEX themes_key ON themes (COALESCE(workspace_id, '00000000-0000-0000-0000-000000000000'::uuid), key)`,
      touchTrigger('themes'),
      // The theme a workspace applies; none means its parent's, up to the default.
      `ALTER TABLE workspaces ADD COLUMN theme_id uuid REFERENCES themes(id) ON DELETE SET NULL`,
      `CREATE TABLE layout_definitions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid REFERENCES workspaces(id) ON DELETE CASCADE,
        module_id text,
        resource text NOT NULL CONSTRAINT layout_definitions_resource_format CHECK (resource ~ '^[a-z][a-z0-9_.-]{0,126}$'),
        definition jsonb NOT NULL CONSTRAINT layout_definitions_definition_object CHECK (jsonb_typeof(definition) = 'object'),
        version integer NOT NULL DEFAULT 1 CONSTRAINT layout_definitions_version_positive CHECK (version >= 1),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE UNIQUE INDEX layout_definitions_resource_key
        ON layout_definitions (COALESCE(workspace_id, '00000000-0000-0000-0000-000000000000'::uuid), resource)`,
      touchTrigger('layout_definitions'),
      ...grantApp(ctx, ['themes', 'layout_definitions']),
    ]);
  },
  async down(ctx) {
    await run(ctx, ['ALTER TABLE workspaces DROP COLUMN theme_id', 'DROP TABLE layout_definitions', 'DROP TABLE themes']);
  },
};
