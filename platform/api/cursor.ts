import { ValidationError } from '../errors/index.js';
import { UUID } from '../entities/index.js';

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
