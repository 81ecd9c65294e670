import { SqlPolicyError } from './errors.js';
import { constructName, type NodeTable } from './nodes.js';
import { TOO_DEEP, type Fields } from './parser.js';
import { RULES } from './rules.js';
import type { Source } from './source.js';

/** A `$n` of the text: where it is written (indexes into the text), which value it stands for, and whether a subscript follows. */
export interface Param {
  start: number;
  end: number;
  number: number;
  subscripted: boolean;
}

/**
 * Walks one statement's parse tree: refuses every node type its table does not list and applies
 * each node type's rule (rules.ts). Every node is visited, however deep (subqueries, CTEs,
 * CASE, arguments, window definitions, ON CONFLICT…): a rule cannot be sidestepped by nesting.
 */
export class Walker {
  readonly params: Param[] = [];
  /** Byte offsets of the `$n` written with a subscript or field after them ($1[1], $1.f), noted before the `$n` is visited. */
  readonly subscripted = new Set<number>();
  /** The nearest location seen: where a refusal of a node without one of its own points. */
  private near: number;

  constructor(
    readonly source: Source,
    readonly schema: string,
    private readonly nodes: NodeTable,
    start: number,
  ) {
    this.near = start;
  }

  /** Walks a whole statement; a tree deeper than JavaScript's stack is refused. */
  statement(type: string, fields: Fields): void {
    try {
      this.node(type, fields);
    } catch (err) {
      if (err instanceof RangeError) this.refuse(TOO_DEEP);
      throw err;
    }
  }

  node(type: string, fields: Fields): void {
    const structs = this.nodes[type];
    if (!structs) this.refuse(`${constructName(type)} is not allowed in module SQL`, firstLocation(fields));
    const outer = this.near;
    this.near = location(fields) ?? outer;
    RULES[type]?.(fields, this);
    for (const [field, value] of Object.entries(fields)) {
      if (structs[field]) this.node(structs[field], value as Fields);
      else this.value(value);
    }
    this.near = outer;
  }

  refuse(message: string, byte?: number): never {
    throw new SqlPolicyError(message, this.source.character(byte ?? this.near));
  }

  private value(value: unknown): void {
    if (Array.isArray(value)) for (const item of value) this.value(item);
    else if (value !== null && typeof value === 'object') {
      const [type, ...more] = Object.keys(value);
      // {} stands for a NULL in a list, such as a function in FROM without a column list.
      if (type === undefined) return;
      if (more.length === 0 && /^[A-Z]/.test(type)) this.node(type, (value as Fields)[type] as Fields);
      // A struct in a field the table does not name: a parser newer than the table. Refused, not guessed at.
      else this.refuse('a construct the SQL guard does not know is not allowed in module SQL', firstLocation(value));
    }
  }
}

/** A node's own location (a byte offset), when it has one. */
export function location(fields: Fields): number | undefined {
  return typeof fields.location === 'number' && fields.location >= 0 ? fields.location : undefined;
}

/** The first location inside a subtree: for a refused node without one of its own (SELECT … INTO points at its table). */
function firstLocation(value: unknown): number | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const own = Array.isArray(value) ? undefined : location(value as Fields);
  if (own !== undefined) return own;
  for (const inner of Object.values(value)) {
    const found = firstLocation(inner);
    if (found !== undefined) return found;
  }
  return undefined;
}
