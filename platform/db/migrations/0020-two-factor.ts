import { grantApp, run, type ShellMigration } from './context.js';

/**
 * Two-factor sign-in: a user's TOTP secret and the last time step used (a code works once),
 * their recovery codes (hashed, each used once), and whether a workspace requires it of its
 * members and of its client workspaces' members.
 */
export const twoFactor: ShellMigration = {
  name: '0020-two-factor',
  async up(ctx) {
    await run(ctx, [
      `ALTER TABLE users ADD COLUMN totp_secret text, ADD COLUMN totp_last_step bigint,
         ADD COLUMN totp_enabled_at timestamptz,
         ADD CONSTRAINT users_totp_whole CHECK ((totp_secret IS NULL) = (totp_enabled_at IS NULL))`,
      `CREATE TABLE recovery_codes (
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        code_hash text NOT NULL CONSTRAINT recovery_codes_hash_format CHECK (code_hash ~ '^[0-9a-f]{64}$'),
        used_at timestamptz,
        PRIMARY KEY (user_id, code_hash)
      )`,
      ...grantApp(ctx, ['recovery_codes']),
      'ALTER TABLE workspaces ADD COLUMN require_two_factor boolean NOT NULL DEFAULT false',
    ]);
  },
  async down(ctx) {
    await run(ctx, [
      'ALTER TABLE workspaces DROP COLUMN require_two_factor',
      'DROP TABLE recovery_codes',
      'ALTER TABLE users DROP CONSTRAINT users_totp_whole, DROP COLUMN totp_enabled_at, DROP COLUMN totp_last_step, DROP COLUMN totp_secret',
    ]);
  },
};
