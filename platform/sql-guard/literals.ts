import { escapeLiteral } from 'pg';
import utils from 'pg/lib/utils.js';
import { ValidationError } from '../errors/index.js';

/**
 * A bind value as an SQL literal with the same meaning: node-postgres's own conversion (dates,
 * arrays, buffers, objects as JSON), then quoted as a string. Every value but NULL becomes a
 * quoted string, of no type until PostgreSQL resolves it from its context, just as an untyped
 * bind parameter is.
 */
export function literal(value: unknown, number: number): string {
  const prepared = utils.prepareValue(value);
  if (prepared === null) return 'NULL';
  // node-postgres sends a buffer as binary; its text form is bytea's hex format.
  const text = Buffer.isBuffer(prepared) ? `\\x${prepared.toString('hex')}` : prepared;
  // PostgreSQL would refuse the value as a bind parameter; in the text it would end the statement.
  if (text.includes('\0')) throw new ValidationError(`$${number}`, 'contains a NUL character, which PostgreSQL text cannot hold');
  return escapeLiteral(text);
}
