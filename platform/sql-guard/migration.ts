import { SqlPolicyError } from './errors.js';
import { MIGRATION_NODES } from './nodes.js';
import { parseStatements } from './parser.js';
import { Source } from './source.js';
import { statementName } from './statement-names.js';
import { Walker } from './walker.js';

/**
 * What a migration may do: its own tables (CREATE, ALTER: columns, defaults, NOT NULL,
 * constraints; RENAME; DROP), indexes, enum types and comments, and change rows. Not refused
 * here but later, by the grants, is what the owner role may not touch. Refused: functions,
 * triggers, rules, views (an ordinary view runs as its owner, past row-level security; the
 * platform makes the invoker views a module reads the shell through), sequences, schemas,
 * roles, grants, policies, extensions and settings.
 */
const STATEMENTS = new Set([
  'CreateStmt',
  'IndexStmt',
  'AlterTableStmt',
  'RenameStmt',
  'DropStmt',
  'CreateEnumStmt',
  'AlterEnumStmt',
  'CommentStmt',
  'InsertStmt',
  'UpdateStmt',
  'DeleteStmt',
]);

/** Checks a module's migration file, every statement of it; throws SqlPolicyError at the first refused. */
export function checkModuleMigration(sql: string, options: { schema: string }): void {
  const source = new Source(sql);
  for (const { type, fields, start } of parseStatements(source)) {
    const at = source.firstWord(start);
    if (!STATEMENTS.has(type))
      throw new SqlPolicyError(
        `statement ${statementName(type, fields)} is not allowed in a module migration; it may create, alter, rename, drop and comment on its own tables, indexes and enum types, and insert, update or delete rows`,
        source.character(at),
      );
    new Walker(source, options.schema, MIGRATION_NODES, at).statement(type, fields);
  }
}
