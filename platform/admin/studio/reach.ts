import type { StudioDeps, StudioRequest } from './context.js';
import type { Reach } from './shapes.js';

/**
 * How many client workspaces sit below this one: they inherit its theme and layouts, so what
 * the editors publish here changes them too, and the editors say so before publishing.
 */
export async function reach({ db }: StudioDeps, { user }: StudioRequest): Promise<Reach> {
  const [row] = await db.app(user.workspaceId, () =>
    db.rows<{ clients: string }>(
      `WITH RECURSIVE down(id) AS (
         SELECT id FROM workspaces WHERE parent_id = $1
         UNION ALL SELECT w.id FROM workspaces w JOIN down ON w.parent_id = down.id)
       SELECT count(*) AS clients FROM down`,
      [user.workspaceId],
    ),
  );
  return { clients: Number(row!.clients) }; // count(*) answers one row
}
