import { PlinthError } from '../errors/index.js';

/**
 * Module SQL the platform refuses to send: a statement, function, relation or construct outside
 * the allowlist, or text PostgreSQL's parser cannot read. The message names what and where.
 */
export class SqlPolicyError extends PlinthError {
  /** Where the fault is: a 1-based character position in the SQL text, as PostgreSQL reports them. */
  readonly position?: number;

  constructor(message: string, position?: number) {
    super('forbidden_sql', position === undefined ? message : `${message} (at character ${position})`);
    this.position = position;
  }
}
