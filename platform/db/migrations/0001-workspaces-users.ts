import { grantApp, run, touchTrigger, type ShellMigration } from './context.js';

/** Tenants (agency → client through parent_id), platform identities and who belongs where. */
export const workspacesUsers: ShellMigration = {
  name: '0001-workspaces-users',
  async up(ctx) {
    await run(ctx, [
      `CREATE FUNCTION plinth_touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN NEW.updated_at := now(); RETURN NEW; END $$`,
      `CREATE TABLE workspaces (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        parent_id uuid REFERENCES workspaces(id) ON DELETE RESTRICT,
        slug text NOT NULL CONSTRAINT workspaces_slug_format CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
        name text NOT NULL CONSTRAINT workspaces_name_length CHECK (length(name) BETWEEN 1 AND 200),
        settings jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT workspaces_slug_key UNIQUE (slug),
        CONSTRAINT workspaces_not_own_parent CHECK (parent_id IS DISTINCT FROM id)
      )`,
      `CREATE INDEX workspaces_parent_idx ON workspaces (parent_id) WHERE parent_id IS NOT NULL`,
      touchTrigger('workspaces'),
      // The API refuses cycles with a clear error; this is the backstop for any other writer.
      `CREATE FUNCTION plinth_workspaces_no_cycle() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW.parent_id IS NOT NULL AND EXISTS (
           WITH RECURSIVE up(id, parent_id) AS (
             SELECT id, parent_id FROM workspaces WHERE id = NEW.parent_id
             UNION SELECT w.id, w.parent_id FROM workspaces w JOIN up ON w.id = up.parent_id
           ) SELECT 1 FROM up WHERE id = NEW.id
         ) THEN
           RAISE EXCEPTION 'workspace % would become its own ancestor', NEW.slug USING ERRCODE = 'check_violation';
         END IF;
         RETURN NEW;
       END $$`,
      `CREATE TRIGGER workspaces_no_cycle BEFORE INSERT OR UPDATE OF parent_id ON workspaces
        FOR EACH ROW EXECUTE FUNCTION plinth_workspaces_no_cycle()`,
      `CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL CONSTRAINT users_email_normalized CHECK (email = lower(email) AND email LIKE '%_@_%'),
        name text NOT NULL DEFAULT '',
        password_hash text NOT NULL,
        status text NOT NULL DEFAULT 'active' CONSTRAINT users_status CHECK (status IN ('active', 'disabled')),
        last_login_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT users_email_key UNIQUE (email)
      )`,
      touchTrigger('users'),
      `CREATE TABLE memberships (
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        role text NOT NULL CONSTRAINT memberships_role CHECK (role IN ('owner', 'admin', 'member')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace_id, user_id)
      )`,
      `CREATE INDEX memberships_user_idx ON memberships (user_id)`,
      touchTrigger('memberships'),
      ...grantApp(ctx, ['workspaces', 'users', 'memberships']),
    ]);
  },
  async down(ctx) {
    await run(ctx, [
      'DROP TABLE memberships',
      'DROP TABLE users',
      'DROP TABLE workspaces',
      'DROP FUNCTION plinth_workspaces_no_cycle()',
      'DROP FUNCTION plinth_touch_updated_at()',
    ]);
  },
};
