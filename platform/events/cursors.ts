import type { Database } from '../db/index.js';

/**
 * Starts a subscriber's cursor in a workspace at the log's end, in the caller's unit (as the
 * application in that workspace): its deliveries start here, since events written before carry
 * subscriber sets without it. A cursor already there stays where it is.
 */
export async function openCursor(db: Database, subscriber: string, workspaceId: string): Promise<void> {
  await db.exec(
    `INSERT INTO event_cursors (subscriber, workspace_id, txid, seq)
     SELECT $1, $2, COALESCE(h.txid, '0'), COALESCE(h.seq, 0)
       FROM (SELECT 1) AS one LEFT JOIN LATERAL (
              SELECT txid, seq FROM events WHERE workspace_id = $2 AND txid < pg_snapshot_xmin(pg_current_snapshot())
               ORDER BY txid DESC, seq DESC LIMIT 1) h ON true
     ON CONFLICT DO NOTHING`,
    [subscriber, workspaceId],
  );
}
