import { PlinthError } from '../errors/index.js';

/** A request to a module's route refused before or by its handler: the HTTP status, and what was wrong. */
export class RouteError extends PlinthError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    path?: string,
    /** Headers the answer carries (Retry-After of a 429). */
    readonly headers: Record<string, string> = {},
  ) {
    super(code, message, path);
  }
}
