import { AccessError, PlinthError } from '../errors/index.js';

/**
 * A module's `onChange` refused a write made through the API: the request was well formed, the
 * module's rules say no. Its message is the module's, for the caller to read; `path` names the
 * column when the module named one.
 */
export class ChangeRefusedError extends PlinthError {
  constructor(moduleId: string, message: string, column?: string) {
    super('change_refused', `module "${moduleId}" refused this change: ${message}`, column && `/${column}`);
  }
}

/** A table a column of which the module alone fills (required and hidden): only the module makes its rows. */
export class TableClosedError extends AccessError {
  constructor(moduleId: string, table: string) {
    super(`rows of ${moduleId}/${table} are made by the module itself; the API reads, updates and deletes them`, table);
  }
}
