import { PlinthError } from '../errors/index.js';

/** A lifecycle step refused: not installed, a missing dependency, a downgrade, a missing subscription… */
export class LifecycleError extends PlinthError {
  constructor(moduleId: string, message: string) {
    super('lifecycle', `module "${moduleId}": ${message}`, moduleId);
  }
}

/** A publish refused because the module id belongs to another publisher: another key, or the bundled release. */
export class PublisherError extends PlinthError {
  constructor(moduleId: string, message: string) {
    super('wrong_publisher', `module "${moduleId}": ${message}`, moduleId);
  }
}
