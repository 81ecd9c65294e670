import type { Database } from '../db/index.js';
import { CONTACT_COLUMNS, type Contact } from '../entities/index.js';
import { cutPage, decodeCursor, pageSize, positionOf } from './cursor.js';

/** A page of contacts and the cursor of the next one (null on the last page). */
export interface ContactPage {
  data: Contact[];
  next: string | null;
}

/**
 * The workspace's contacts, newest first, after the cursor's position. Keyset pagination: a
 * contact created meanwhile is newer than every page already read, so it moves no row from one
 * page to another (an offset would). Ties of creation time (one import) are broken by id, in the
 * order of the index on (workspace_id, created_at DESC, id). Runs in the caller's unit.
 */
export async function contactPage(
  db: Database,
  workspaceId: string,
  query: { limit?: unknown; cursor?: unknown },
): Promise<ContactPage> {
  const limit = pageSize(query.limit);
  const after = decodeCursor(query.cursor);
  const rows = await db.rows<Contact & { position: string }>(
    `SELECT ${CONTACT_COLUMNS}, ${positionOf('created_at')}
       FROM contacts
      WHERE workspace_id = $1
        ${after ? `AND created_at <= $3::timestamptz AND (created_at < $3::timestamptz OR id > $4::uuid)` : ''}
      ORDER BY created_at DESC, id
      LIMIT $2`,
    after ? [workspaceId, limit + 1, after.at, after.id] : [workspaceId, limit + 1],
  );
  const { page, next } = cutPage(rows, limit);
  return { data: page.map(({ position: _position, ...contact }) => contact), next };
}
