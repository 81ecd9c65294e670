import { quoteIdent } from '../roles.js';
import { grantApp, run, touchTrigger, type ShellMigration } from './context.js';

/**
 * A CSV import's state, kept in the database so a run killed at any point resumes where its last
 * batch committed: `rows_done` moves in the transaction that writes the batch's rows and their
 * outcomes (0026). A rerun finds the unfinished import by what it imports (workspace, target,
 * the file's SHA-256, the mapping). Row-level security as on every tenant table.
 */
export const imports: ShellMigration = {
  name: '0025-imports',
  async up(ctx) {
    await run(ctx, [
      `CREATE TABLE imports (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        target text NOT NULL CONSTRAINT imports_target CHECK (target ~ '^(contacts|[a-z][a-z0-9-]{1,30}\\.[a-z][a-z0-9_]{0,62})$'),
        file_name text NOT NULL CONSTRAINT imports_file_name_length CHECK (length(file_name) BETWEEN 1 AND 500),
        file_sha256 text NOT NULL CONSTRAINT imports_file_sha256 CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
        mapping jsonb NOT NULL,
        options jsonb NOT NULL DEFAULT '{}',
        total_rows integer NOT NULL CONSTRAINT imports_total_rows CHECK (total_rows >= 0),
        rows_done integer NOT NULL DEFAULT 0 CONSTRAINT imports_rows_done CHECK (rows_done BETWEEN 0 AND total_rows),
        status text NOT NULL DEFAULT 'running' CONSTRAINT imports_status CHECK (status IN ('running', 'done')),
        created_by text NOT NULL CONSTRAINT imports_created_by_length CHECK (length(created_by) BETWEEN 1 AND 200),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT imports_done CHECK (status = 'running' OR rows_done = total_rows)
      )`,
      `CREATE INDEX imports_workspace_idx ON imports (workspace_id, created_at)`,
      `CREATE INDEX imports_unfinished_idx ON imports (workspace_id, target, file_sha256) WHERE status = 'running'`,
      touchTrigger('imports'),
      `ALTER TABLE imports ENABLE ROW LEVEL SECURITY`,
      `ALTER TABLE imports FORCE ROW LEVEL SECURITY`,
      `CREATE POLICY maintenance ON imports TO ${quoteIdent(ctx.db.roles.owner)} USING (true) WITH CHECK (true)`,
      `CREATE POLICY tenant ON imports USING (workspace_id = plinth_current_workspace())
         WITH CHECK (workspace_id = plinth_current_workspace())`,
      ...grantApp(ctx, ['imports'], 'SELECT, INSERT, UPDATE'),
    ]);
  },
  async down(ctx) {
    await run(ctx, ['DROP TABLE imports']);
  },
};
