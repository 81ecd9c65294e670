export { NetworkError, SandboxError, type SandboxFailure } from './errors.js';
export { MAX_RESPONSE_BYTES, type NetworkOptions } from './network.js';
export { entriesOf, Sandbox, type SandboxLimits, type SandboxTarget } from './sandbox.js';
export type { HostOperations } from './isolate.js';
export { JsonText } from './json-text.js';
