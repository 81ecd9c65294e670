import type { Actor } from '../../../registry/index.js';

/** Who the registry and the lifecycle record as having done what an operator did from the command line. */
export const CLI_ACTOR: Actor = { type: 'system', id: 'cli' };
