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

/**
 * A module's `ctx.fetch` did not get an answer: the request was refused (a host, scheme or
 * address it may not reach, a malformed request), it failed on the way, or it ran out of the
 * call's time. Thrown into the module's code, which may catch it.
 */
export class NetworkError extends PlinthError {
  constructor(
    readonly failure: 'refused' | 'failed' | 'timeout',
    moduleId: string,
    message: string,
  ) {
    super(`network_${failure}`, `module "${moduleId}": ${message}`, moduleId);
  }
}
