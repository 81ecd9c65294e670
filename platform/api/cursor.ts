import { ValidationError } from '../errors/index.js';
import { UUID } from '../entities/index.js';
import type { Field } from './list-shape.js';

export const DEFAULT_PAGE = 25;
export const MAX_PAGE = 100;

/** `limit` as a query parameter: a whole number from 1 to MAX_PAGE, DEFAULT_PAGE when absent. */
export function pageSize(raw: unknown): number {
  if (raw === undefined) return DEFAULT_PAGE;
  if (typeof raw !== 'string' || !/^\d{1,3}$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_PAGE)
    throw new ValidationError('limit', `"${String(raw)}" is not a whole number from 1 to ${MAX_PAGE}`);
  return Number(raw);
}

/**
 * SQL for a row's position on the sorted column, as text a cursor holds and the column's type
 * reads back exactly: a time in UTC to the microsecond (PostgreSQL's own precision), anything
 * else as PostgreSQL writes it.
 */
export function positionOf(column: string, type: Field['type'] = 'timestamp'): string {
  return type === 'timestamp'
    ? `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS position`
    : `${column}::text AS position`;
}

/** The first `limit` of `rows` (read one more than a page) and the cursor after them, null on the last page. */
export function cutPage<R extends { position: string | null; id: string }>(
  rows: R[],
  limit: number,
  sort: string,
): { page: R[]; next: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { page, next: rows.length > limit && last ? encodeCursor({ sort, at: last.position, id: last.id }) : null };
}

/** Where a page ended: the sort it was read in, the last row's value of the sorted column (null for none) and its id. */
export interface Position {
  sort: string;
  at: string | null;
  id: string;
}

/** Opaque to callers: they hand back what they were given, so its shape may change without breaking them. */
export function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify([position.sort, position.at, position.id])).toString('base64url');
}

/** The position a cursor holds; refused, naming `cursor`, when it is not one this API gave for this sort. */
export function decodeCursor(raw: unknown, sort: string): Position | null {
  if (raw === undefined) return null;
  const refuse = () => new ValidationError('cursor', 'is not a cursor this API gave; pass the `next` of the previous page');
  if (typeof raw !== 'string' || raw.length > 2000) throw refuse();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw refuse();
  }
  if (!Array.isArray(value) || value.length !== 3) throw refuse();
  const [given, at, id] = value as unknown[];
  if (typeof given !== 'string' || (at !== null && typeof at !== 'string') || typeof id !== 'string' || !UUID.test(id))
    throw refuse();
  if (given !== sort)
    throw new ValidationError('cursor', `was given for sort=${given}, not sort=${sort}; keep the sort while paging`);
  return { sort, at, id };
}

/** How a list is ordered: by one column, then by id (`idColumn`), so rows with one value keep one order. */
export interface Order {
  column: string;
  idColumn: string;
  direction: 'asc' | 'desc';
  nullable: boolean;
}

/**
 * The rows after a position, for `ORDER BY column <direction>, id`, as PostgreSQL orders by
 * default (nulls last ascending, first descending), so the statement can walk an index that
 * leads with the column. `value` and `id` are the placeholders of the position's value and id.
 */
export function afterPosition(order: Order, at: string | null, value: string, id: string): string {
  const { column, idColumn, direction, nullable } = order;
  const past = direction === 'asc' ? '>' : '<';
  const within = direction === 'asc' ? '>=' : '<=';
  if (at === null) return `(${column} IS NULL AND ${idColumn} > ${id}${direction === 'desc' ? ` OR ${column} IS NOT NULL` : ''})`;
  const beyond = `(${column} ${within} ${value} AND (${column} ${past} ${value} OR ${idColumn} > ${id}))`;
  return nullable && direction === 'asc' ? `(${beyond} OR ${column} IS NULL)` : beyond;
}

/** The ORDER BY of an order. */
export const orderBy = ({ column, idColumn, direction }: Order): string => `${column} ${direction.toUpperCase()}, ${idColumn}`;
