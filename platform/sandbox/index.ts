export { NetworkError, SandboxError, type SandboxFailure } from './errors.js';
export { checkedLookup, MAX_RESPONSE_BYTES, nonPublicAddress, type NetworkOptions } from './network.js';
export { entriesOf, Sandbox, type SandboxLimits, type SandboxTarget } from './sandbox.js';
export type { HostOperations } from './isolate.js';
export { JsonText } from './json-text.js';
