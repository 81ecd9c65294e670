import type { Database } from '../db/index.js';
import { checkUuid } from '../entities/normalize.js';
import { ValidationError } from '../errors/index.js';
import { EVENT_COLUMNS, type StoredEvent } from '../events/index.js';
import { queryText } from './list-query.js';
import { cutPage, decodeCursor, pageSize, positionOf } from './cursor.js';

/** An event's name (`forms.submission_received`), or a module's every event (`forms.*`). */
export const EVENT_NAME_FILTER = /^[a-z][a-z0-9_]*\.(\*|[a-z][a-z0-9]*(_[a-z0-9]+)+)$/;

/** The log's one order, newest first; a cursor is bound to it. */
const EVENT_SORT = '-occurredAt';

export interface EventPage {
  data: Omit<StoredEvent, 'subscribers'>[];
  next: string | null;
}

/** `name` as a filter: one event's name, or `<module>.*` for all of a module's; null when absent. */
function nameFilter(raw: unknown): { exact: string } | { prefix: string } | null {
  if (raw === undefined) return null;
  if (typeof raw !== 'string' || !EVENT_NAME_FILTER.test(raw))
    throw new ValidationError('name', `"${String(raw)}" is not an event name (module.event_name) nor module.*`);
  return raw.endsWith('.*') ? { prefix: raw.slice(0, -1) } : { exact: raw };
}

/**
 * The workspace's events, newest first, after the cursor's position, as contacts page: by
 * (occurred_at, id), so events written meanwhile never shift one between pages. Runs in the
 * caller's unit, whose workspace row-level security keeps the only one visible.
 */
export async function eventPage(
  db: Database,
  workspaceId: string,
  query: { limit?: unknown; cursor?: unknown; name?: unknown; contact?: unknown },
): Promise<EventPage> {
  const limit = pageSize(queryText(query).limit);
  const after = decodeCursor(query.cursor, EVENT_SORT);
  const name = nameFilter(query.name);
  const contact = query.contact === undefined ? null : checkUuid(query.contact, 'contact');
  const rows = await db.rows<StoredEvent & { position: string }>(
    `SELECT ${EVENT_COLUMNS}, ${positionOf('e.occurred_at')}
       FROM events e
      WHERE e.workspace_id = $1
        AND ($3::text IS NULL OR e.name = $3)
        AND ($4::text IS NULL OR starts_with(e.name, $4))
        AND ($5::uuid IS NULL OR e.contact_id = $5)
        AND ($6::timestamptz IS NULL OR e.occurred_at < $6 OR (e.occurred_at = $6 AND e.id > $7::uuid))
      ORDER BY e.occurred_at DESC, e.id
      LIMIT $2`,
    [
      workspaceId,
      limit + 1,
      name && 'exact' in name ? name.exact : null,
      name && 'prefix' in name ? name.prefix : null,
      contact,
      after?.at ?? null,
      after?.id ?? null,
    ],
  );
  const { page, next } = cutPage(rows, limit, EVENT_SORT);
  return { data: page.map(({ position: _position, subscribers: _subscribers, ...event }) => event), next };
}
