import { SqlPolicyError } from './errors.js';
import type { Source } from './source.js';

/** A node's fields, as libpg_query writes PostgreSQL's parse tree in JSON. */
export type Fields = Record<string, unknown>;

/** One statement of a text: its node type (SelectStmt, CreateStmt…), its fields and the byte offset it starts at. */
export interface ParsedStatement {
  type: string;
  fields: Fields;
  start: number;
}

interface ParseTree {
  stmts?: { stmt: Record<string, Fields>; stmt_location?: number }[];
}

/** The refusal of a statement too deep to parse or to walk: not checked, so not let through. */
export const TOO_DEEP = 'the statement is nested too deeply to be checked';

let parseSync: ((sql: string) => ParseTree) | undefined;

/**
 * Loads PostgreSQL's own parser, compiled to WebAssembly, once; every check after it is
 * synchronous. Imported here rather than at the top: the package compiles its WebAssembly as
 * soon as it is imported, which a process that never checks SQL should not pay for.
 */
export async function loadSqlGuard(): Promise<void> {
  if (parseSync) return;
  const parser = await import('libpg-query');
  await parser.loadModule();
  parseSync = parser.parseSync;
}

/**
 * The statements of a text, as PostgreSQL 17's parser reads them; a syntax error is refused with
 * its message and position. It reads strings as a server with standard_conforming_strings on
 * (the default, and nothing module SQL may change): with it off, a backslash before a quote
 * would go on with a string the parser ended, and the rest would be read differently.
 */
export function parseStatements(source: Source): ParsedStatement[] {
  if (!parseSync) throw new Error('the SQL guard is not loaded: await loadSqlGuard() first');
  // The parser's wrapper refuses blank text rather than finding no statement in it.
  if (source.text.trim() === '') return [];
  let tree: ParseTree;
  try {
    tree = parseSync(source.text);
  } catch (err) {
    // The parser's WebAssembly runs on JavaScript's stack, which a deep enough tree overflows.
    if (err instanceof RangeError) throw new SqlPolicyError(TOO_DEEP);
    const details = (err as { sqlDetails?: { message: string; cursorPosition: number } }).sqlDetails;
    if (!details) throw err;
    // The wrapper's cursor is a 0-based character position.
    throw new SqlPolicyError(details.message, details.cursorPosition + 1);
  }
  return (tree.stmts ?? []).map(({ stmt, stmt_location = 0 }) => {
    const [type, fields] = Object.entries(stmt)[0]!; // a statement node has one key: its kind
    return { type, fields, start: stmt_location };
  });
}
