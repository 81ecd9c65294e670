/**
 * Typed errors of the platform. Each carries a stable `code` and names the input at fault
 * (`path`: a JSON path, a slug, an id) so callers and the CLI can report it precisely.
 */
export class PlinthError extends Error {
  readonly code: string;
  readonly path?: string;

  constructor(code: string, message: string, path?: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.path = path;
  }
}

/** Input that is malformed: a bad email, an unknown role, a negative rate. */
export class ValidationError extends PlinthError {
  constructor(path: string, message: string) {
    super('invalid_input', `${path}: ${message}`, path);
  }
}

/** A referenced record does not exist (or is not visible to the caller). */
export class NotFoundError extends PlinthError {
  constructor(kind: string, ref: string) {
    super('not_found', `${kind} "${ref}" not found`, ref);
  }
}

/** The caller may not do this: their role is at fault, not their input. */
export class AccessError extends PlinthError {
  constructor(message: string, path?: string) {
    super('forbidden', message, path);
  }
}

/** A write that would break a uniqueness rule, such as a workspace slug already taken. */
export class ConflictError extends PlinthError {
  constructor(path: string, message: string) {
    super('conflict', `${path}: ${message}`, path);
  }
}

/** A workspace hierarchy change that would make a workspace its own ancestor. */
export class HierarchyError extends PlinthError {
  constructor(slug: string, message: string) {
    super('hierarchy_cycle', `workspace "${slug}": ${message}`, slug);
  }
}

/** The database cannot be reached or opened. */
export class DatabaseUnavailableError extends PlinthError {
  constructor(message: string) {
    super('database_unavailable', message);
  }
}

/** What a request took for granted no longer holds (its session ended, its screens changed): it must be asked again. */
export class StaleRequestError extends PlinthError {
  constructor(message = 'what this request assumed changed before it was answered; ask again') {
    super('stale_request', message);
  }
}
