import type { EventBus } from '../events/index.js';

export type LifecycleEvent =
  | 'plinth.module_published'
  | 'plinth.module_installed'
  | 'plinth.module_enabled'
  | 'plinth.module_disabled'
  | 'plinth.module_upgraded'
  | 'plinth.module_downgraded'
  | 'plinth.module_uninstalled';

/** Who asked for a lifecycle step; recorded as the event's actor. */
export interface Actor {
  type: 'user' | 'system';
  id: string;
}

/** Records one lifecycle step as a shell event, in the caller's transaction. */
export async function recordLifecycle(
  bus: EventBus,
  name: LifecycleEvent,
  workspaceId: string | null,
  actor: Actor,
  payload: object,
): Promise<void> {
  await bus.emit({ id: 'plinth' }, workspaceId, name, payload, { actor });
}
