import { run, type ShellMigration } from './context.js';

/**
 * Sign-in failures are also counted per (account, address) pair, the lock a guesser meets first.
 * A user's sessions are found by user, to end them all when the password changes or the user is
 * disabled; and disabling a user moves the memberships version, so that every web process asks
 * again, on its next request, whether the session's user still has a role.
 */
export const signInHardening: ShellMigration = {
  name: '0019-sign-in-hardening',
  async up(ctx) {
    await run(ctx, [
      'ALTER TABLE login_failures DROP CONSTRAINT login_failures_key_format',
      `ALTER TABLE login_failures ADD CONSTRAINT login_failures_key_format
         CHECK (key ~ '^(account|address|pair):.' AND length(key) <= 320)`,
      `CREATE INDEX admin_sessions_user_idx ON admin_sessions ((data -> 'adminUser' ->> 'id'))`,
      `CREATE TRIGGER users_status_memberships_version AFTER UPDATE OF status ON users
         FOR EACH STATEMENT EXECUTE FUNCTION plinth_memberships_changed()`,
    ]);
  },
  async down(ctx) {
    await run(ctx, [
      'DROP TRIGGER users_status_memberships_version ON users',
      'DROP INDEX admin_sessions_user_idx',
      "DELETE FROM login_failures WHERE key LIKE 'pair:%'",
      'ALTER TABLE login_failures DROP CONSTRAINT login_failures_key_format',
      `ALTER TABLE login_failures ADD CONSTRAINT login_failures_key_format
         CHECK (key ~ '^(account|address):.' AND length(key) <= 320)`,
    ]);
  },
};
