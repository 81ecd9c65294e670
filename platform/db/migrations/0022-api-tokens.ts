import { quoteIdent } from '../roles.js';
import { grantApp, run, SECURITY_DEFINER, type ShellMigration } from './context.js';

/** Every scope a token may carry, as a pattern: the shell's own, or a module table's read or write. */
const SCOPES = `^(contacts:(read|write)|events:read|[a-z][a-z0-9-]{1,30}:[a-z][a-z0-9_]{0,62}:(read|write))$`;

/**
 * Workspace API tokens. A token's secret is random (256 bits), so its SHA-256 is all that is kept:
 * unlike a password it cannot be guessed from a list, and a slow hash would only slow every
 * request. The prefix is not secret: it tells tokens apart in lists. Row-level security as on
 * every tenant table; the one way to a token's workspace before any workspace is set is
 * `plinth_api_token`, which answers a live token's hash alone.
 */
export const apiTokens: ShellMigration = {
  name: '0022-api-tokens',
  async up(ctx) {
    await run(ctx, [
      `CREATE FUNCTION plinth_api_scopes_valid(scopes text[]) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE
         RETURN (SELECT coalesce(bool_and(coalesce(s ~ '${SCOPES}', false)), false) FROM unnest(scopes) AS s)`,
      `CREATE TABLE api_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        name text NOT NULL CONSTRAINT api_tokens_name_length CHECK (length(name) BETWEEN 1 AND 100),
        scopes text[] NOT NULL CONSTRAINT api_tokens_scopes CHECK (
          cardinality(scopes) BETWEEN 1 AND 50 AND plinth_api_scopes_valid(scopes)),
        token_hash text NOT NULL UNIQUE CONSTRAINT api_tokens_hash_format CHECK (token_hash ~ '^[0-9a-f]{64}$'),
        prefix text NOT NULL CONSTRAINT api_tokens_prefix_format CHECK (prefix ~ '^[0-9a-f]{8}$'),
        expires_at timestamptz NOT NULL,
        last_used_at timestamptz,
        revoked_at timestamptz,
        created_by text NOT NULL CONSTRAINT api_tokens_created_by_length CHECK (length(created_by) BETWEEN 1 AND 200),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT api_tokens_expiry CHECK (expires_at > created_at)
      )`,
      `CREATE INDEX api_tokens_workspace_idx ON api_tokens (workspace_id, created_at)`,
      `ALTER TABLE api_tokens ENABLE ROW LEVEL SECURITY`,
      `ALTER TABLE api_tokens FORCE ROW LEVEL SECURITY`,
      `CREATE POLICY maintenance ON api_tokens TO ${quoteIdent(ctx.db.roles.owner)} USING (true) WITH CHECK (true)`,
      `CREATE POLICY tenant ON api_tokens USING (workspace_id = plinth_current_workspace())
         WITH CHECK (workspace_id = plinth_current_workspace())`,
      ...grantApp(ctx, ['api_tokens'], 'SELECT, INSERT, UPDATE'),
      `CREATE FUNCTION plinth_api_token(hash text)
         RETURNS TABLE (id uuid, workspace_id uuid, scopes text[], last_used_at timestamptz)
         LANGUAGE sql STABLE ${SECURITY_DEFINER}
         AS $$ SELECT t.id, t.workspace_id, t.scopes, t.last_used_at FROM api_tokens t
                WHERE t.token_hash = hash AND t.revoked_at IS NULL AND t.expires_at > now() $$`,
      `REVOKE ALL ON FUNCTION plinth_api_token(text) FROM PUBLIC`,
      `GRANT EXECUTE ON FUNCTION plinth_api_token(text) TO ${quoteIdent(ctx.db.roles.app)}`,
    ]);
  },
  async down(ctx) {
    await run(ctx, [
      'DROP FUNCTION plinth_api_token(text)',
      'DROP TABLE api_tokens',
      'DROP FUNCTION plinth_api_scopes_valid(text[])',
    ]);
  },
};
