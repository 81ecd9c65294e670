import { randomBytes } from 'node:crypto';
import type { PlinthConfig } from '../config/index.js';
import type { Database } from '../db/index.js';
import { checkText, checkUuid } from '../entities/index.js';
import { NotFoundError, ValidationError } from '../errors/index.js';
import { openCursor } from '../events/index.js';
import { checkDestination } from './destination.js';
import { checkEvents, webhookSubscriber } from './subscriber.js';

/** A webhook as lists show it: never its secret. */
export interface Webhook {
  id: string;
  workspaceId: string;
  url: string;
  events: string[];
  active: boolean;
  /** Dead deliveries since the last delivered one. */
  consecutiveDead: number;
  disabledAt: Date | null;
  /** Why the platform switched it off; null when it is on, or a person switched it off. */
  disabledReason: string | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface WebhookInput {
  url: string;
  events: string[];
  /** On unless false. */
  active?: boolean;
  /** Who made it: a user's email, or `cli`. */
  createdBy: string;
}

export interface WebhookChanges {
  url?: string;
  events?: string[];
  /** On again (which clears the count of dead deliveries and the notice), or off. */
  active?: boolean;
}

/** A webhook the platform switched off: what the admin shows as a notice until someone turns it on again or removes it. */
export interface WebhookNotice {
  webhook: string;
  url: string;
  disabledAt: Date;
  reason: string;
}

/** A delivery of a webhook that needed more than one try: failing, dead, or delivered after retrying. */
export interface WebhookDelivery {
  /** The delivery id, as the event log's replay takes it. */
  id: string;
  eventId: string;
  event: string;
  status: 'failed' | 'dead' | 'delivered';
  attempts: number;
  lastError: string | null;
  nextAttemptAt: Date;
  deliveredAt: Date | null;
}

const COLUMNS = `id, workspace_id AS "workspaceId", url, events, active, consecutive_dead AS "consecutiveDead",
  disabled_at AS "disabledAt", disabled_reason AS "disabledReason", created_by AS "createdBy",
  created_at AS "createdAt", updated_at AS "updatedAt"`;

/** A new signing secret: 256 random bits, in hex. */
const freshSecret = (): string => randomBytes(32).toString('hex');

/**
 * A workspace's outbound webhooks: what the CLI, the admin and the API call. Every read and
 * write runs as the application in the webhook's workspace (row-level security); each input is
 * checked, the URL's addresses included, before anything is written. The secret is returned by
 * `create` and `rotateSecret` alone.
 */
export class Webhooks {
  constructor(
    private readonly db: Database,
    private readonly config: PlinthConfig,
  ) {}

  async create(workspaceId: string, input: WebhookInput): Promise<{ webhook: Webhook; secret: string }> {
    checkUuid(workspaceId, 'workspaceId');
    const events = checkEvents(input.events);
    const createdBy = checkText(input.createdBy, 'createdBy', 200)!;
    if (input.active !== undefined && typeof input.active !== 'boolean')
      throw new ValidationError('active', 'must be true or false');
    const url = await checkDestination(input.url, this.config.webhookAllowPrivate);
    const secret = freshSecret();
    const webhook = await this.db.app(workspaceId, async () => {
      const [workspace] = await this.db.rows('SELECT 1 FROM workspaces WHERE id = $1', [workspaceId]);
      if (!workspace) throw new NotFoundError('workspace', workspaceId);
      const [row] = await this.db.rows<Webhook>(
        `INSERT INTO webhooks (workspace_id, url, events, secret, active, created_by) VALUES ($1, $2, $3::text[], $4, $5, $6)
         RETURNING ${COLUMNS}`,
        [workspaceId, url, events, secret, input.active ?? true, createdBy],
      );
      await openCursor(this.db, webhookSubscriber(row!.id), workspaceId); // INSERT … RETURNING answers its row
      return row!;
    });
    return { webhook, secret };
  }

  /** The workspace's webhooks, oldest first. */
  list(workspaceId: string): Promise<Webhook[]> {
    checkUuid(workspaceId, 'workspaceId');
    return this.db.app(workspaceId, () =>
      this.db.rows<Webhook>(`SELECT ${COLUMNS} FROM webhooks WHERE workspace_id = $1 ORDER BY created_at, id`, [workspaceId]),
    );
  }

  async get(workspaceId: string, id: string): Promise<Webhook> {
    checkUuid(workspaceId, 'workspaceId');
    checkUuid(id, 'id');
    const [row] = await this.db.app(workspaceId, () =>
      this.db.rows<Webhook>(`SELECT ${COLUMNS} FROM webhooks WHERE id = $1`, [id]),
    );
    if (!row) throw new NotFoundError('webhook', id);
    return row;
  }

  /**
   * The workspace of a webhook known by its id alone (the operator's commands name the id a list
   * printed): one read as the owner, after which everything runs in that workspace.
   */
  async workspaceOf(id: string): Promise<string> {
    checkUuid(id, 'id');
    const [row] = await this.db.owner('find a webhook by id', () =>
      this.db.rows<{ workspaceId: string }>('SELECT workspace_id AS "workspaceId" FROM webhooks WHERE id = $1', [id]),
    );
    if (!row) throw new NotFoundError('webhook', id);
    return row.workspaceId;
  }

  async update(workspaceId: string, id: string, changes: WebhookChanges): Promise<Webhook> {
    checkUuid(workspaceId, 'workspaceId');
    checkUuid(id, 'id');
    if (changes.url === undefined && changes.events === undefined && changes.active === undefined)
      throw new ValidationError('changes', 'nothing to change: give a url, events, or active');
    const events = changes.events === undefined ? null : checkEvents(changes.events);
    if (changes.active !== undefined && typeof changes.active !== 'boolean')
      throw new ValidationError('active', 'must be true or false');
    const url = changes.url === undefined ? null : await checkDestination(changes.url, this.config.webhookAllowPrivate);
    const [row] = await this.db.app(workspaceId, () =>
      this.db.rows<Webhook>(
        // On again: the count starts over and the notice goes. Off by a person: no notice.
        `UPDATE webhooks SET url = coalesce($2, url), events = coalesce($3::text[], events), active = coalesce($4, active),
                consecutive_dead = CASE WHEN $4 THEN 0 ELSE consecutive_dead END,
                disabled_at = CASE WHEN $4 THEN NULL WHEN NOT $4 AND active THEN now() ELSE disabled_at END,
                disabled_reason = CASE WHEN $4 IS NULL THEN disabled_reason WHEN $4 THEN NULL WHEN active THEN NULL ELSE disabled_reason END
          WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, url, events, changes.active ?? null],
      ),
    );
    if (!row) throw new NotFoundError('webhook', id);
    return row;
  }

  /** A new secret, returned once; the old one signs nothing from now on. */
  async rotateSecret(workspaceId: string, id: string): Promise<{ webhook: Webhook; secret: string }> {
    checkUuid(workspaceId, 'workspaceId');
    checkUuid(id, 'id');
    const secret = freshSecret();
    const [row] = await this.db.app(workspaceId, () =>
      this.db.rows<Webhook>(`UPDATE webhooks SET secret = $2 WHERE id = $1 RETURNING ${COLUMNS}`, [id, secret]),
    );
    if (!row) throw new NotFoundError('webhook', id);
    return { webhook: row, secret };
  }

  /** Removes the webhook, its cursor and its delivery rows; the events it was sent stay in the log. */
  async remove(workspaceId: string, id: string): Promise<Webhook> {
    checkUuid(workspaceId, 'workspaceId');
    checkUuid(id, 'id');
    return this.db.app(workspaceId, async () => {
      const [row] = await this.db.rows<Webhook>(`DELETE FROM webhooks WHERE id = $1 RETURNING ${COLUMNS}`, [id]);
      if (!row) throw new NotFoundError('webhook', id);
      await this.db.exec('DELETE FROM event_cursors WHERE subscriber = $1 AND workspace_id = $2', [
        webhookSubscriber(id),
        workspaceId,
      ]);
      await this.db.exec('DELETE FROM event_deliveries WHERE subscriber = $1 AND workspace_id = $2', [
        webhookSubscriber(id),
        workspaceId,
      ]);
      return row;
    });
  }

  /**
   * Where a webhook's deliveries stand: how many went through at the first try or after, and the
   * deliveries that needed more than one try, newest first (a dead one is replayed by its id,
   * as the event log page does).
   */
  async deliveries(workspaceId: string, id: string, limit = 100): Promise<{ delivered: number; retried: WebhookDelivery[] }> {
    await this.get(workspaceId, id);
    const subscriber = webhookSubscriber(id);
    return this.db.app(workspaceId, async () => {
      const [cursor] = await this.db.rows<{ delivered: string }>(
        'SELECT delivered::text FROM event_cursors WHERE subscriber = $1 AND workspace_id = $2',
        [subscriber, workspaceId],
      );
      const retried = await this.db.rows<WebhookDelivery>(
        `SELECT d.event_id || ':' || d.subscriber AS id, d.event_id AS "eventId", e.name AS event, d.status, d.attempts,
                d.last_error AS "lastError", d.next_attempt_at AS "nextAttemptAt", d.delivered_at AS "deliveredAt"
           FROM event_deliveries d JOIN events e ON e.id = d.event_id
          WHERE d.workspace_id = $1 AND d.subscriber = $2
          ORDER BY e.seq DESC LIMIT $3`,
        [workspaceId, subscriber, Math.min(Math.max(Math.trunc(limit) || 1, 1), 1000)],
      );
      return { delivered: Number(cursor?.delivered ?? 0), retried };
    });
  }

  /** The workspace's webhooks the platform switched off for failing, newest first: the admin's notices. */
  notices(workspaceId: string): Promise<WebhookNotice[]> {
    checkUuid(workspaceId, 'workspaceId');
    return this.db.app(workspaceId, () =>
      this.db.rows<WebhookNotice>(
        `SELECT id AS webhook, url, disabled_at AS "disabledAt", disabled_reason AS reason FROM webhooks
          WHERE workspace_id = $1 AND NOT active AND disabled_reason IS NOT NULL ORDER BY disabled_at DESC`,
        [workspaceId],
      ),
    );
  }
}
