import type { Database } from '../db/index.js';

export type LifecycleEvent =
  | 'plinth.module_published'
  | 'plinth.module_installed'
  | 'plinth.module_enabled'
  | 'plinth.module_disabled'
  | 'plinth.module_upgraded'
  | 'plinth.module_uninstalled';

/** Who asked for a lifecycle step; recorded as the event's actor. */
export interface Actor {
  type: 'user' | 'system';
  id: string;
}

/** Records one lifecycle step in the shared event log, in the caller's transaction. */
export async function recordLifecycle(
  db: Database,
  name: LifecycleEvent,
  workspaceId: string | null,
  actor: Actor,
  payload: object,
): Promise<void> {
  await db.exec(
    `INSERT INTO events (workspace_id, name, producer, actor_type, actor_id, payload)
     VALUES ($1, $2, 'plinth', $3, $4, $5)`,
    [workspaceId, name, actor.type, actor.id, JSON.stringify(payload)],
  );
}
