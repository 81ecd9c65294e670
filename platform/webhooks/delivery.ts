import { PLINTH_VERSION, type PlinthConfig } from '../config/index.js';
import type { Database } from '../db/index.js';
import type { EventBus } from '../events/index.js';
import { log } from '../log/index.js';
import { sign } from '../routes/index.js';
import { post } from './destination.js';
import { webhookIdOf } from './subscriber.js';

/** What became of one delivery attempt, as the dispatcher recorded it. */
export type Outcome = 'delivered' | 'failed' | 'dead';

/** The members of a delivered event that a receiver gets, in this order. */
interface Sent {
  id: string;
  name: string;
  occurredAt: string;
  contactId: string | null;
  payload: unknown;
  deliveryId: string;
  attempt: number;
}

/**
 * Sends the bus's events to webhooks, for the dispatcher, inside its batch's transaction (as the
 * application in the webhook's workspace), and switches a webhook off once too many of its
 * deliveries in a row went dead. Each delivery is signed as modules' signed routes are
 * (`X-Plinth-Timestamp`, `X-Plinth-Signature`) and carries its delivery id for the receiver to
 * drop repeats (delivery is at least once).
 */
export class WebhookDeliveries {
  constructor(
    private readonly db: Database,
    private readonly bus: EventBus,
    private readonly config: PlinthConfig,
  ) {}

  /** The retry policy of every webhook delivery: the operator's. */
  get retry(): PlinthConfig['webhookRetry'] {
    return this.config.webhookRetry;
  }

  /**
   * POSTs the events (each a DeliveredEvent as JSON text) to the subscriber's webhook in order
   * and answers, for each one sent, null or why it failed. It stops early once one timeout's
   * worth of time has gone by: the batch's transaction stays short, and the events not sent
   * are the next batch's, still in order.
   */
  async send(subscriber: string, events: readonly string[]): Promise<(string | null)[]> {
    const id = webhookIdOf(subscriber)!; // the dispatcher sends only webhook subscribers here
    const [hook] = await this.db.rows<{ url: string; secret: string; active: boolean }>(
      'SELECT url, secret, active FROM webhooks WHERE id = $1',
      [id],
    );
    if (!hook?.active) return events.map(() => `webhook ${id} is ${hook ? 'switched off' : 'removed'}`);
    const started = Date.now();
    const outcomes: (string | null)[] = [];
    for (const text of events) {
      if (outcomes.length > 0 && Date.now() - started >= this.config.webhookTimeoutMs) break;
      const e = JSON.parse(text) as Sent;
      const sent: Sent = {
        id: e.id,
        name: e.name,
        occurredAt: e.occurredAt,
        contactId: e.contactId,
        payload: e.payload,
        deliveryId: e.deliveryId,
        attempt: e.attempt,
      };
      const body = JSON.stringify(sent);
      const timestamp = String(Math.floor(Date.now() / 1000));
      try {
        await post(
          hook.url,
          body,
          {
            'user-agent': `Plinth-Webhooks/${PLINTH_VERSION}`,
            'x-plinth-timestamp': timestamp,
            'x-plinth-signature': sign(hook.secret, timestamp, body),
            'x-plinth-delivery': sent.deliveryId,
            'x-plinth-event': sent.name,
          },
          { timeoutMs: this.config.webhookTimeoutMs, allowPrivate: this.config.webhookAllowPrivate },
        );
        outcomes.push(null);
      } catch (err) {
        outcomes.push((err as Error).message);
      }
    }
    return outcomes;
  }

  /**
   * Counts dead deliveries in a row (a delivered one starts the count over) and switches the
   * webhook off at the operator's threshold, with a `plinth.webhook_disabled` event and the
   * reason its notice shows. In the batch's transaction, with the deliveries' state.
   */
  async settle(subscriber: string, workspaceId: string, outcomes: readonly Outcome[], lastError: string | null): Promise<void> {
    const id = webhookIdOf(subscriber)!; // as in send
    let reset = false;
    let run = 0;
    for (const outcome of outcomes) {
      if (outcome === 'delivered') [reset, run] = [true, 0];
      else if (outcome === 'dead') run++;
    }
    if (!reset && run === 0) return;
    const [hook] = await this.db.rows<{ url: string; active: boolean; consecutiveDead: number }>(
      `UPDATE webhooks SET consecutive_dead = CASE WHEN $2 THEN $3 ELSE consecutive_dead + $3 END WHERE id = $1
       RETURNING url, active, consecutive_dead AS "consecutiveDead"`,
      [id, reset, run],
    );
    if (!hook?.active || hook.consecutiveDead < this.config.webhookDisableAfter) return;
    const reason = `${hook.consecutiveDead} deliveries in a row went dead (the last: ${lastError ?? 'unknown'})`.slice(0, 2000);
    await this.db.exec('UPDATE webhooks SET active = false, disabled_at = now(), disabled_reason = $2 WHERE id = $1', [
      id,
      reason,
    ]);
    await this.bus.emit(
      { id: 'plinth' },
      workspaceId,
      'plinth.webhook_disabled',
      { webhook: id, url: hook.url, deadInARow: hook.consecutiveDead, reason },
      { actor: { type: 'system' } },
    );
    log.warn({ webhook: id, workspaceId, deadInARow: hook.consecutiveDead }, 'webhook switched off: its deliveries keep failing');
  }
}
