import { ValidationError } from '../errors/index.js';
import { SqlPolicyError } from './errors.js';
import { literal } from './literals.js';
import { QUERY_NODES } from './nodes.js';
import { parseStatements } from './parser.js';
import { Source } from './source.js';
import { statementName } from './statement-names.js';
import { Walker, type Param } from './walker.js';

export type StatementKind = 'select' | 'insert' | 'update' | 'delete';

const KINDS: Record<string, StatementKind> = {
  SelectStmt: 'select',
  InsertStmt: 'insert',
  UpdateStmt: 'update',
  DeleteStmt: 'delete',
};

/** A run-time statement the guard let through: what it is, and its text with values in place of its `$n`. */
export class CheckedStatement {
  /** The highest `$n` it uses; 0 when it uses none. */
  readonly highestParam: number;
  /** The text around the `$n`, in order: one piece more than there are `$n`. */
  private readonly pieces: string[] = [];
  private readonly params: Param[];

  constructor(
    readonly sql: string,
    readonly kind: StatementKind,
    /** A SELECT, or an INSERT, UPDATE or DELETE with RETURNING. */
    readonly returnsRows: boolean,
    params: Param[],
  ) {
    this.params = [...params].sort((a, b) => a.start - b.start);
    this.highestParam = Math.max(0, ...params.map((p) => p.number));
    let from = 0;
    for (const param of this.params) {
      this.pieces.push(sql.slice(from, param.start));
      from = param.end;
    }
    this.pieces.push(sql.slice(from));
  }

  /**
   * The text with each `$n` replaced by `values[n - 1]` as a literal, exactly where the parser
   * found a parameter: a `$1` in a string, a quoted name or a comment is text, and stays.
   */
  withValues(values: readonly unknown[]): string {
    if (values.length < this.highestParam)
      throw new ValidationError('values', `the statement uses $${this.highestParam} but ${values.length} values were given`);
    // The pieces are the text around the parameters: one more than there are parameters.
    let text = this.pieces[0]!;
    this.params.forEach(({ number, subscripted }, i) => {
      const value = literal(values[number - 1], number);
      // '…'[1] is not SQL; ('…')[1] is, as $1[1] was.
      text += (subscripted ? `(${value})` : value) + this.pieces[i + 1]!;
    });
    return text;
  }
}

/**
 * Statements repeat (each module has a handful, run with different values): each text is checked
 * once per schema. Keyed by schema, then by the text itself: a module passes the same string
 * each time, whose hash JavaScript keeps, so a hit costs no hashing of the text. Past the bound,
 * the oldest entry of that schema goes.
 */
const PER_SCHEMA = 2000;
const cache = new Map<string, Map<string, CheckedStatement>>();

/**
 * Checks one run-time statement of a module: a single SELECT, INSERT, UPDATE or DELETE that
 * calls only allowlisted functions and names no relation outside the module's schema. Throws
 * SqlPolicyError naming what is refused and where.
 */
export function checkModuleStatement(sql: string, options: { schema: string }): CheckedStatement {
  let checked = cache.get(options.schema);
  if (!checked) cache.set(options.schema, (checked = new Map<string, CheckedStatement>()));
  const known = checked.get(sql);
  if (known) return known;
  const statement = check(sql, options.schema);
  if (checked.size >= PER_SCHEMA) checked.delete(checked.keys().next().value!);
  checked.set(sql, statement);
  return statement;
}

function check(sql: string, schema: string): CheckedStatement {
  const source = new Source(sql);
  const statements = parseStatements(source);
  const [statement] = statements;
  if (!statement || statements.length !== 1)
    throw new SqlPolicyError(`a query must be one statement (found ${statements.length})`);
  const { type, fields, start } = statement;
  const at = source.firstWord(start);
  const kind = KINDS[type];
  if (!kind)
    throw new SqlPolicyError(
      `statement ${statementName(type, fields)} is not allowed in module SQL; use SELECT, INSERT, UPDATE or DELETE`,
      source.character(at),
    );
  const walker = new Walker(source, schema, QUERY_NODES, at);
  walker.statement(type, fields);
  const returnsRows = kind === 'select' || Array.isArray(fields.returningList);
  return new CheckedStatement(sql, kind, returnsRows, walker.params);
}
