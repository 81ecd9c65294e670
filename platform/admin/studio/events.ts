import { UUID } from '../../entities/index.js';
import { NotFoundError, ValidationError } from '../../errors/index.js';
import { EVENT_COLUMNS, parseDeliveryId, type StoredEvent } from '../../events/index.js';
import { requireEditor, type StudioDeps, type StudioRequest } from './context.js';
import type { ContactTimelineReply, EventLogReply, FailedDelivery } from './shapes.js';

const EVENT_NAME = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

/**
 * This workspace's log, newest first (row-level security keeps it to the workspace), with the
 * deliveries that failed or died: what the event log page shows.
 */
export async function eventLog(
  { db }: StudioDeps,
  { user }: StudioRequest,
  query: { name?: unknown; limit?: unknown },
): Promise<EventLogReply> {
  const name = typeof query.name === 'string' && query.name !== '' ? query.name : null;
  if (name !== null && !EVENT_NAME.test(name))
    throw new ValidationError('name', `"${name}" is not an event name (module.event_name)`);
  const limit = Math.min(Math.max(Number(query.limit) || 50, 1), 200);
  return db.app(user.workspaceId, async () => {
    const events = await db.rows<StoredEvent>(
      `SELECT ${EVENT_COLUMNS} FROM events e WHERE e.workspace_id = $1 AND ($2::text IS NULL OR e.name = $2)
        ORDER BY e.occurred_at DESC, e.seq DESC LIMIT $3`,
      [user.workspaceId, name, limit],
    );
    const deliveries = await db.rows<FailedDelivery>(
      `SELECT d.event_id || ':' || d.subscriber AS id, d.event_id AS "eventId", e.name AS event, d.subscriber, d.status,
              d.attempts, d.last_error AS "lastError", d.next_attempt_at AS "nextAttemptAt", e.occurred_at AS "occurredAt"
         FROM event_deliveries d JOIN events e ON e.id = d.event_id
        WHERE d.workspace_id = $1 AND d.status IN ('failed', 'dead')
        ORDER BY d.status DESC, e.occurred_at DESC LIMIT 200`,
      [user.workspaceId],
    );
    return { events, deliveries };
  });
}

/** Sends one of this workspace's dead or failed deliveries back to be retried now, with a fresh attempt budget. */
export async function replayDelivery({ db }: StudioDeps, { user }: StudioRequest, deliveryId: string) {
  requireEditor(user, 'deliveries (replay)');
  const { eventId, subscriber } = parseDeliveryId(deliveryId);
  const replayed = await db.app(user.workspaceId, () =>
    db.rows(
      `UPDATE event_deliveries SET status = 'failed', attempts = 0, next_attempt_at = now()
        WHERE workspace_id = $1 AND event_id = $2 AND subscriber = $3 AND status IN ('dead', 'failed') RETURNING event_id`,
      [user.workspaceId, eventId, subscriber],
    ),
  );
  if (replayed.length === 0) throw new NotFoundError('dead or failed delivery in this workspace', deliveryId);
}

/** One contact of this workspace and, oldest first, every event any module recorded about it. */
export async function contactTimeline(
  { db, entities }: StudioDeps,
  { user }: StudioRequest,
  contactId: string,
): Promise<ContactTimelineReply> {
  if (!UUID.test(contactId)) throw new NotFoundError('contact', contactId);
  const contact = await entities.contacts.get(user.workspaceId, contactId);
  const events = await db.app(user.workspaceId, () =>
    db.rows<StoredEvent>(
      `SELECT ${EVENT_COLUMNS} FROM events e WHERE e.workspace_id = $1 AND e.contact_id = $2
        ORDER BY e.occurred_at, e.seq LIMIT 500`,
      [user.workspaceId, contactId],
    ),
  );
  return { contact, events };
}
