import type { Database } from '../db/index.js';
import { CONTACT_COLUMNS, type Contact } from '../entities/index.js';
import { ValidationError } from '../errors/index.js';
import { decodeCursor, encodeCursor } from './cursor.js';

export const DEFAULT_PAGE = 25;
export const MAX_PAGE = 100;

/** A page of contacts and the cursor of the next one (null on the last page). */
export interface ContactPage {
  data: Contact[];
  next: string | null;
}

/** `limit` as a query parameter: a whole number from 1 to MAX_PAGE, DEFAULT_PAGE when absent. */
export function pageSize(raw: unknown): number {
  if (raw === undefined) return DEFAULT_PAGE;
  if (typeof raw !== 'string' || !/^\d{1,3}$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_PAGE)
    throw new ValidationError('limit', `"${String(raw)}" is not a whole number from 1 to ${MAX_PAGE}`);
  return Number(raw);
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
    `SELECT ${CONTACT_COLUMNS}, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS position
       FROM contacts
      WHERE workspace_id = $1
        ${after ? `AND created_at <= $3::timestamptz AND (created_at < $3::timestamptz OR id > $4::uuid)` : ''}
      ORDER BY created_at DESC, id
      LIMIT $2`,
    after ? [workspaceId, limit + 1, after.at, after.id] : [workspaceId, limit + 1],
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const next = rows.length > limit && last ? encodeCursor({ at: last.position, id: last.id }) : null;
  return { data: page.map(({ position: _position, ...contact }) => contact), next };
}
