import { quoteIdent } from '../roles.js';
import { grantApp, run, type ShellMigration } from './context.js';

/**
 * What became of each row of an import: created (the record's id), merged (the contact it
 * enriched) or refused (the column at fault and why). Written with the batch's rows, in its
 * transaction, so a row has an outcome exactly when its effect is committed. `row_number` counts
 * the file's records after the header, from 1.
 */
export const importOutcomes: ShellMigration = {
  name: '0026-import-outcomes',
  async up(ctx) {
    await run(ctx, [
      `CREATE TABLE import_outcomes (
        import_id uuid NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
        row_number integer NOT NULL CONSTRAINT import_outcomes_row CHECK (row_number >= 1),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        outcome text NOT NULL CONSTRAINT import_outcomes_outcome CHECK (outcome IN ('created', 'merged', 'refused')),
        record_id uuid,
        column_name text,
        reason text,
        PRIMARY KEY (import_id, row_number),
        CONSTRAINT import_outcomes_shape CHECK ((outcome = 'refused') = (record_id IS NULL AND reason IS NOT NULL))
      )`,
      `CREATE INDEX import_outcomes_record_idx ON import_outcomes (import_id, record_id) WHERE outcome = 'created'`,
      `ALTER TABLE import_outcomes ENABLE ROW LEVEL SECURITY`,
      `ALTER TABLE import_outcomes FORCE ROW LEVEL SECURITY`,
      `CREATE POLICY maintenance ON import_outcomes TO ${quoteIdent(ctx.db.roles.owner)} USING (true) WITH CHECK (true)`,
      `CREATE POLICY tenant ON import_outcomes USING (workspace_id = plinth_current_workspace())
         WITH CHECK (workspace_id = plinth_current_workspace())`,
      ...grantApp(ctx, ['import_outcomes'], 'SELECT, INSERT'),
    ]);
  },
  async down(ctx) {
    await run(ctx, ['DROP TABLE import_outcomes']);
  },
};
