import { PlinthError } from '../errors/index.js';

/** A lifecycle step refused: not installed, a missing dependency, a downgrade, a missing subscription… */
export class LifecycleError extends PlinthError {
  constructor(moduleId: string, message: string) {
    super('lifecycle', `module "${moduleId}": ${message}`, moduleId);
  }
}
