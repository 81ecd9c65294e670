/**
 * The SQL guard: module SQL read by PostgreSQL's own parser and held to an allowlist before it
 * reaches the database — run-time statements (ctx.query) and migration files alike. Modules are
 * vendors' code: what is not plainly a module's own reads and writes is refused, whatever the
 * spelling (case, comments, quotes, Unicode escapes, nesting), because the parser has already
 * undone the spelling.
 */
export { loadSqlGuard } from './parser.js';
export { checkModuleStatement, type CheckedStatement, type StatementKind } from './statement.js';
export { checkModuleMigration } from './migration.js';
export { SqlPolicyError } from './errors.js';
export { ALLOWED_FUNCTIONS } from './functions.js';
