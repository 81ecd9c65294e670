import type { Database } from '../db/index.js';
import { NotFoundError, ValidationError } from '../errors/index.js';
import { EVENT_COLUMNS, type StoredEvent } from './bus.js';

/**
 * A delivery id is `<event id>:<subscriber>`, the subscriber a module id or `webhook:<id>`: what
 * handlers and webhook receivers get as their idempotency key.
 */
export function parseDeliveryId(id: string): { eventId: string; subscriber: string } {
  const match = /^([0-9a-f-]{36}):([a-z][a-z0-9-]{1,30}|webhook:[0-9a-f-]{36})$/.exec(id);
  if (!match)
    throw new ValidationError('delivery', `"${id}" is not a delivery id (<event id>:<module id> or <event id>:webhook:<id>)`);
  return { eventId: match[1]!, subscriber: match[2]! }; // both groups are required by the pattern
}

/**
 * Operator tools over the log. They span workspaces, so they run as the owner (logged
 * maintenance); the admin's event log, scoped to one workspace, reads through the app role.
 */
export class EventOperations {
  constructor(private readonly db: Database) {}

  /** Sends a dead (or failed) delivery back to be retried now, with a fresh attempt budget. */
  async replay(deliveryId: string): Promise<void> {
    const { eventId, subscriber } = parseDeliveryId(deliveryId);
    const [row] = await this.db.owner('replay a delivery', () =>
      this.db.rows(
        `UPDATE event_deliveries SET status = 'failed', attempts = 0, next_attempt_at = now()
          WHERE event_id = $1 AND subscriber = $2 AND status IN ('dead', 'failed') RETURNING event_id`,
        [eventId, subscriber],
      ),
    );
    if (!row) throw new NotFoundError('dead or failed delivery', deliveryId);
  }

  /** Replays every dead delivery, of one module if given; returns how many. */
  async replayDead(moduleId?: string): Promise<number> {
    const rows = await this.db.owner('replay dead deliveries', () =>
      this.db.rows(
        `UPDATE event_deliveries SET status = 'failed', attempts = 0, next_attempt_at = now()
          WHERE status = 'dead' AND ($1::text IS NULL OR subscriber = $1) RETURNING event_id`,
        [moduleId ?? null],
      ),
    );
    return rows.length;
  }

  /** Events, newest first, filtered by workspace slug, contact or name. */
  async list(filter: {
    workspace?: string;
    contactId?: string;
    name?: string;
    limit?: number;
    after?: string;
  }): Promise<(StoredEvent & { seq: string })[]> {
    return this.db.owner('list events', () =>
      this.db.rows(
        `SELECT ${EVENT_COLUMNS}, e.seq::text AS seq FROM events e LEFT JOIN workspaces w ON w.id = e.workspace_id
          WHERE ($1::text IS NULL OR w.slug = $1) AND ($2::uuid IS NULL OR e.contact_id = $2)
            AND ($3::text IS NULL OR e.name = $3) AND ($5::bigint IS NULL OR e.seq > $5)
          ORDER BY e.seq DESC LIMIT $4`,
        [filter.workspace ?? null, filter.contactId ?? null, filter.name ?? null, filter.limit ?? 50, filter.after ?? null],
      ),
    );
  }

  /** Per subscriber and workspace: events behind the cursor (lag), delivered, failed and dead. */
  async metrics(): Promise<
    { subscriber: string; workspace: string; lag: number; delivered: number; failed: number; dead: number }[]
  > {
    const rows = await this.db.owner('event metrics', () =>
      this.db.rows<Record<'subscriber' | 'workspace' | 'lag' | 'delivered' | 'failed' | 'dead', string>>(
        `SELECT c.subscriber, w.slug AS workspace,
                (SELECT count(*) FROM events e WHERE e.workspace_id = c.workspace_id AND (e.txid, e.seq) > (c.txid, c.seq)
                    AND e.subscribers @> ARRAY[c.subscriber]) AS lag,
                c.delivered,
                (SELECT count(*) FROM event_deliveries d WHERE d.subscriber = c.subscriber AND d.workspace_id = c.workspace_id AND d.status = 'failed') AS failed,
                (SELECT count(*) FROM event_deliveries d WHERE d.subscriber = c.subscriber AND d.workspace_id = c.workspace_id AND d.status = 'dead') AS dead
           FROM event_cursors c JOIN workspaces w ON w.id = c.workspace_id ORDER BY c.subscriber, w.slug`,
      ),
    );
    return rows.map((r) => ({
      subscriber: r.subscriber,
      workspace: r.workspace,
      lag: Number(r.lag),
      delivered: Number(r.delivered),
      failed: Number(r.failed),
      dead: Number(r.dead),
    }));
  }

  /** What a module missed in a workspace since a position (an event's seq): the events for it after that one. */
  async since(moduleId: string, workspaceId: string, afterSeq: string, limit = 100): Promise<(StoredEvent & { seq: string })[]> {
    return this.db.app(workspaceId, () =>
      this.db.rows(
        `SELECT ${EVENT_COLUMNS}, e.seq::text AS seq FROM events e
          WHERE e.workspace_id = $1 AND e.subscribers @> ARRAY[$2] AND e.seq > $3 ORDER BY e.seq LIMIT $4`,
        [workspaceId, moduleId, afterSeq, limit],
      ),
    );
  }
}
