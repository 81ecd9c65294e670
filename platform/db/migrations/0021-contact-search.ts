import { run, type ShellMigration } from './context.js';

/**
 * The admin's contact search. A contact's name, organisation, emails and phones as one lower-case
 * text (`search_text`, kept by PostgreSQL on every write), its parts apart on lines of their own (a
 * search box cannot send a line break, so a match never spans two of them); and one GIN index over
 * the workspace and the text's trigrams (pg_trgm, with btree_gin for the workspace), so that part
 * of any of them is found by `LIKE '%…%'` among the workspace's rows alone, without reading them
 * all. A stored column, not an expression index: the planner weighs a column's statistics, and
 * rechecking a candidate row costs a comparison rather than a function call. Lower-case, so that
 * a search is a LIKE, several times cheaper per row than ILIKE. The extensions are
 * created as the connecting user (a trusted extension needs CREATE on the database, which the
 * owner role has not) and stay on `down`: the database may have had them before.
 */
export const contactSearch: ShellMigration = {
  name: '0021-contact-search',
  async up(ctx) {
    await ctx.db.unit({ role: 'connection' }, () =>
      run(ctx, [
        'CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public',
        'CREATE EXTENSION IF NOT EXISTS btree_gin WITH SCHEMA public',
      ]),
    );
    await run(ctx, [
      // IMMUTABLE, as a generated column's expression must be: array_to_string is only STABLE for arrays of other types.
      `CREATE FUNCTION plinth_contact_search_text(name text, organization text, emails text[], phones text[])
         RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
         RETURN lower(name || E'\\n' || coalesce(organization, '') || E'\\n' || array_to_string(emails, E'\\n')
                || E'\\n' || array_to_string(phones, E'\\n'))`,
      `ALTER TABLE contacts ADD COLUMN search_text text NOT NULL
         GENERATED ALWAYS AS (plinth_contact_search_text(name, organization, emails, phones)) STORED`,
      'CREATE INDEX contacts_search_idx ON contacts USING gin (workspace_id, search_text gin_trgm_ops)',
    ]);
  },
  async down(ctx) {
    await run(ctx, [
      'DROP INDEX contacts_search_idx',
      'ALTER TABLE contacts DROP COLUMN search_text',
      'DROP FUNCTION plinth_contact_search_text(text, text, text[], text[])',
    ]);
  },
};
