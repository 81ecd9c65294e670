import { AccessError } from '../../errors/index.js';

/** A member asked for a change only an owner or admin of the workspace may make. */
export class RoleError extends AccessError {
  constructor(workspace: string, what: string) {
    super(`only an owner or admin of workspace "${workspace}" may change ${what}`, workspace);
  }
}
