import { PlinthError } from '../errors/index.js';

/** Why a call into a module's sandbox did not complete. */
export type SandboxFailure = 'timeout' | 'memory' | 'crash' | 'code' | 'bundle' | 'ended' | 'busy';

/**
 * A module's code failed in its sandbox: it threw, it ran past its time limit, it outgrew its
 * memory, or its package cannot be built into a sandbox script. The module's fault, never the
 * caller's; its message names the module and what it was doing.
 */
export class SandboxError extends PlinthError {
  constructor(
    readonly failure: SandboxFailure,
    moduleId: string,
    message: string,
    /** For an exception of the module's code: what it threw (a platform refusal it let through keeps its code). */
    readonly thrown?: { message: string; code?: string; path?: string },
  ) {
    super(`sandbox_${failure}`, `module "${moduleId}": ${message}`, moduleId);
  }
}
