import { quoteIdent } from '../roles.js';
import { grantApp, run, type ShellMigration } from './context.js';

/**
 * The first answer to each write a token sent with an Idempotency-Key, kept 24 hours: a repeat
 * with the same body gets that answer again and writes nothing. The key is the token's: two
 * tokens never share answers. The row is claimed before the write, in the write's transaction,
 * so a concurrent repeat waits on the primary key until the first commits (and then replays it)
 * or rolls back (and then writes itself). Row-level security per workspace, as `api_tokens`.
 */
export const apiIdempotency: ShellMigration = {
  name: '0023-api-idempotency',
  async up(ctx) {
    await run(ctx, [
      `CREATE TABLE api_idempotency_keys (
        token_id uuid NOT NULL REFERENCES api_tokens(id) ON DELETE CASCADE,
        key text NOT NULL CONSTRAINT api_idempotency_keys_key_length CHECK (length(key) BETWEEN 1 AND 200),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        request_hash text NOT NULL CONSTRAINT api_idempotency_keys_hash_format CHECK (request_hash ~ '^[0-9a-f]{64}$'),
        status integer CONSTRAINT api_idempotency_keys_status CHECK (status BETWEEN 200 AND 299),
        headers jsonb NOT NULL DEFAULT '{}',
        -- As sent, not jsonb, which would reorder its members: a repeat reads as the first answer did.
        body text,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (token_id, key)
      )`,
      `CREATE INDEX api_idempotency_keys_workspace_idx ON api_idempotency_keys (workspace_id)`,
      `ALTER TABLE api_idempotency_keys ENABLE ROW LEVEL SECURITY`,
      `ALTER TABLE api_idempotency_keys FORCE ROW LEVEL SECURITY`,
      `CREATE POLICY maintenance ON api_idempotency_keys TO ${quoteIdent(ctx.db.roles.owner)} USING (true) WITH CHECK (true)`,
      `CREATE POLICY tenant ON api_idempotency_keys USING (workspace_id = plinth_current_workspace())
         WITH CHECK (workspace_id = plinth_current_workspace())`,
      ...grantApp(ctx, ['api_idempotency_keys']),
    ]);
  },
  async down(ctx) {
    await run(ctx, ['DROP TABLE api_idempotency_keys']);
  },
};
