import { ValidationError } from '../errors/index.js';
import { UUID } from '../entities/index.js';

export const DEFAULT_PAGE = 25;
export const MAX_PAGE = 100;

/** `limit` as a query parameter: a whole number from 1 to MAX_PAGE, DEFAULT_PAGE when absent. */
export function pageSize(raw: unknown): number {
  if (raw === undefined) return DEFAULT_PAGE;
  if (typeof raw !== 'string' || !/^\d{1,3}$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_PAGE)
    throw new ValidationError('limit', `"${String(raw)}" is not a whole number from 1 to ${MAX_PAGE}`);
  return Number(raw);
}

/** SQL for a row's position in a list ordered by `column` (a timestamptz): UTC, to the microsecond, as a cursor holds it. */
export function positionOf(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS position`;
}

/** The first `limit` of `rows` (read one more than a page) and the cursor after them, null on the last page. */
export function cutPage<R extends { position: string; id: string }>(
  rows: R[],
  limit: number,
): { page: R[]; next: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { page, next: rows.length > limit && last ? encodeCursor({ at: last.position, id: last.id }) : null };
}

/** Where a page ended: the last row's creation time (to the microsecond, as PostgreSQL keeps it) and id. */
export interface Position {
  at: string;
  id: string;
}

const MICROSECOND_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** Opaque to callers: they hand back what they were given, so its shape may change without breaking them. */
export function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify([position.at, position.id])).toString('base64url');
}

/** The position a cursor holds; refused, naming `cursor`, when it is not one this API gave. */
export function decodeCursor(raw: unknown): Position | null {
  if (raw === undefined) return null;
  const refuse = () => new ValidationError('cursor', 'is not a cursor this API gave; pass the `next` of the previous page');
  if (typeof raw !== 'string' || raw.length > 200) throw refuse();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw refuse();
  }
  if (!Array.isArray(value) || value.length !== 2) throw refuse();
  const [at, id] = value as unknown[];
  if (typeof at !== 'string' || !MICROSECOND_TIME.test(at) || typeof id !== 'string' || !UUID.test(id)) throw refuse();
  return { at, id };
}
