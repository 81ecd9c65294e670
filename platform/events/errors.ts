import { PlinthError } from '../errors/index.js';

/** An emit refused: an undeclared name, a name outside the producer's prefix, a payload its schema refuses. */
export class EventError extends PlinthError {
  constructor(name: string, message: string, path?: string) {
    super('invalid_event', `event "${name}": ${message}`, path ?? name);
  }
}
