import type { Database } from '../db/index.js';
import pg from 'pg';
import { EVENTS_CHANNEL, EventRetention, type EventBus, type StoredEvent } from '../events/index.js';
import type { ModuleRuntime } from '../gateway/index.js';
import { log } from '../log/index.js';
import { JsonText, SandboxError } from '../sandbox/index.js';
import type { PlinthConfig } from '../config/index.js';
import type { RegistryRow } from '../registry/index.js';
import { webhookIdOf, type Outcome, type WebhookDeliveries } from '../webhooks/index.js';
import { DEFAULT_RETRY, retryDelayMs, type RetryPolicy } from './backoff.js';

/** What a subscriber's handler receives: the event, and the delivery id to use as its idempotency key. */
export type DeliveredEvent = StoredEvent & { deliveryId: string; attempt: number };

/** Events one subscriber takes in one transaction, unless told otherwise. */
export const DEFAULT_BATCH_SIZE = 500;
/** How often an idle dispatcher looks for work nobody woke it for. */
export const DEFAULT_POLL_MS = 100;

export interface DispatcherOptions {
  /** Events one subscriber takes in one transaction. */
  batchSize?: number;
  /** How often to look for work when nothing woke the dispatcher. */
  pollMs?: number;
  /** How often to check every cursor for waiting work (covers what another worker left). */
  sweepMs?: number;
  /** Pairs served at once (PLINTH_DISPATCH_CONCURRENCY when absent). */
  concurrency?: number;
  /** Told, once a batch has committed, how many events its subscriber's handlers were given (the benchmark counts so). */
  onDelivered?: (events: number) => void;
  /** A server database to LISTEN on, so that other processes' commits wake this dispatcher at once. */
  listenUrl?: string;
  /** How often to make the coming event partitions and, when retention is set, drop the expired ones. */
  maintenanceMs?: number;
}

export interface DispatcherDeps {
  db: Database;
  bus: EventBus;
  runtime: ModuleRuntime;
  config: PlinthConfig;
  /** Where the events of `webhook:<id>` subscribers go (decision 0035). */
  webhooks: WebhookDeliveries;
}

interface Position {
  txid: string;
  seq: string;
}

/** An event as a subscriber's batch takes it: what the dispatcher needs, and the handler's argument as JSON text. */
interface Row extends Position {
  id: string;
  name: string;
  /** The DeliveredEvent, written by the database. */
  delivered: string;
}

/**
 * A DeliveredEvent as JSON, written by the database for event `e`, subscriber `$1` and the
 * attempt given: the handlers' arguments go to the sandbox as text, never parsed and written
 * again here. Keys and formats are StoredEvent's (occurredAt in ISO 8601, milliseconds, UTC).
 */
const deliveredJson = (attempt: string): string => `json_build_object(
    'id', e.id, 'name', e.name, 'schemaVersion', e.schema_version, 'producer', e.producer, 'workspaceId', e.workspace_id,
    'contactId', e.contact_id, 'actor', json_build_object('type', e.actor_type, 'id', e.actor_id), 'payload', e.payload,
    'idempotencyKey', e.idempotency_key, 'occurredAt', to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'subscribers', e.subscribers, 'deliveryId', e.id || ':' || $1, 'attempt', ${attempt})::text AS delivered`;

/** How long a pair rests after its sandbox stalled: 5–10 s the first time, doubling, at most 5 minutes. */
const STALL_REST = { maxAttempts: Infinity, initialDelayMs: 10_000, maxDelayMs: 5 * 60_000 };

interface Pair {
  subscriber: string;
  workspaceId: string;
}

const pairKey = (subscriber: string, workspaceId: string): string => `${subscriber}\u0000${workspaceId}`;

/**
 * Delivers events to subscribers. Each (subscriber, workspace) has a cursor over the log; a
 * batch is one transaction that takes the pair (an advisory lock tried, not waited for: any
 * number of workers, each pair served by one at a time), reads the events past it that every writing
 * transaction has finished (below the snapshot's xmin, so a late commit is never skipped),
 * runs the handlers in the module's sandbox, records failures, and moves the cursor. Handler
 * effects and delivery state commit together; a crashed worker's transaction rolls back and
 * its work is taken again.
 *
 * Pairs are served side by side, up to `concurrency` at once, each module within its slots: a
 * subscriber that hangs or fails holds only its own pairs back.
 */
export class Dispatcher {
  private readonly batchSize: number;
  private readonly pollMs: number;
  private readonly sweepMs: number;
  private readonly concurrency: number;
  private position: Position | null = null;
  private lastSweep = 0;
  private lastMaintenance = 0;
  private readonly maintenanceMs: number;
  private readonly retention: EventRetention;
  /** Pairs known to have work, waiting for a turn. */
  private readonly queued = new Map<string, Pair>();
  /** Pairs being served now. */
  private readonly serving = new Map<string, Promise<void>>();
  /**
   * Pairs whose sandbox stalled (its time or memory limit), left alone until a wait that doubles
   * with each stall in a row has passed: a hung subscriber costs one time limit per wait, not one
   * per batch (on the embedded database, which serves one transaction at a time, that matters).
   */
  private readonly resting = new Map<string, { until: number; stalls: number }>();
  private woken = false;
  private running = false;
  private loop: Promise<void> | null = null;
  private sleeper: { timer: NodeJS.Timeout; resolve: () => void } | null = null;
  private unsubscribe: (() => void) | null = null;
  private listener: pg.Client | null = null;
  private readonly listenUrl?: string;
  private readonly onDelivered?: (events: number) => void;

  private readonly db: Database;
  private readonly bus: EventBus;
  private readonly runtime: ModuleRuntime;
  private readonly webhooks: WebhookDeliveries;

  constructor({ db, bus, runtime, config, webhooks }: DispatcherDeps, options: DispatcherOptions = {}) {
    this.db = db;
    this.bus = bus;
    this.runtime = runtime;
    this.webhooks = webhooks;
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    this.sweepMs = options.sweepMs ?? 2000;
    this.concurrency = options.concurrency ?? config.dispatchConcurrency;
    this.listenUrl = options.listenUrl;
    this.onDelivered = options.onDelivered;
    // At least once a period, so that the partitions made ahead never run out before the next round.
    this.maintenanceMs = Math.min(options.maintenanceMs ?? 10 * 60_000, config.eventPeriodMs);
    this.retention = EventRetention.fromConfig(db, config);
  }

  /** LISTENs for other processes' commits; without it (or when it fails) polling alone finds the work. */
  private async listen(): Promise<void> {
    if (!this.listenUrl) return;
    const client = new pg.Client({ connectionString: this.listenUrl });
    client.on('notification', () => this.wake());
    client.on('error', (err) => {
      log.warn({ err: err.message }, 'event notifications lost; polling');
      this.listener = null;
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
      this.listener = client;
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'could not listen for event notifications; polling');
      await client.end().catch(() => {});
    }
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.bus.onCommit(() => this.wake());
    this.loop = this.listen().then(() => this.run());
  }

  /** Stops looking for work and waits for the batches under way, each bounded by its module's time limit. */
  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.wake();
    await this.loop;
    await Promise.allSettled([...this.serving.values()]);
    await this.listener?.end().catch(() => {});
    this.listener = null;
  }

  /** Something was committed, or a pair's turn ended: look now rather than at the next poll. */
  wake(): void {
    this.woken = true;
    if (this.sleeper) {
      clearTimeout(this.sleeper.timer);
      this.sleeper.resolve();
      this.sleeper = null;
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.woken = false;
      if (Date.now() - this.lastMaintenance >= this.maintenanceMs) await this.maintain();
      let busy = false;
      try {
        busy = await this.tick();
      } catch (err) {
        log.error({ err }, 'dispatcher tick failed');
      }
      if (this.running && !busy && !this.woken) {
        await new Promise<void>((resolve) => {
          this.sleeper = { timer: setTimeout(resolve, this.pollMs), resolve };
        });
        this.sleeper = null;
      }
    }
  }

  /** Partitions ahead of need; expired periods dropped when retention is set. A failure waits for the next round. */
  private async maintain(): Promise<void> {
    this.lastMaintenance = Date.now();
    try {
      await this.retention.ensurePartitions();
      await this.retention.prune();
    } catch (err) {
      log.error({ err }, 'event partition maintenance failed');
    }
  }

  /** Runs until there is no work left that is due now. For tests and for draining on shutdown. */
  async drain(): Promise<void> {
    this.lastSweep = 0;
    for (;;) {
      const worked = await this.tick();
      if (this.serving.size > 0) await Promise.race(this.serving.values());
      else if (!worked && [...this.queued.keys()].every((key) => this.isResting(key))) return;
    }
  }

  /**
   * One round: finds the pairs with new events since the last look, every waiting cursor now and
   * then, due retries; and starts serving as many waiting pairs as there is room for. Returns
   * whether it found or started anything.
   */
  async tick(): Promise<boolean> {
    const add = (subscriber: string, workspaceId: string): void =>
      void this.queued.set(pairKey(subscriber, workspaceId), { subscriber, workspaceId });
    let found = false;
    if (!this.position || Date.now() - this.lastSweep >= this.sweepMs) {
      // Where the log ends now, then every cursor behind it: what lies before `position` is swept, what after is scanned.
      const [head] = await this.db.app(null, () =>
        this.db.rows<Position>('SELECT txid::text, seq::text FROM plinth_event_head()'),
      );
      this.position ??= head ?? { txid: '0', seq: '0' };
      for (const c of await this.db.app(null, () =>
        this.db.rows<{ subscriber: string; workspace_id: string }>(
          'SELECT subscriber, workspace_id FROM plinth_waiting_cursors()',
        ),
      )) {
        add(c.subscriber, c.workspace_id);
      }
      this.lastSweep = Date.now();
    }
    const fresh = await this.db.app(null, () =>
      this.db.rows<{ workspace_id: string | null; subscriber: string | null; txid: string; seq: string }>(
        'SELECT workspace_id, subscriber, txid::text, seq::text FROM plinth_new_work($1::xid8, $2::bigint, 5000)',
        [this.position!.txid, this.position!.seq],
      ),
    );
    for (const f of fresh) if (f.subscriber && f.workspace_id) add(f.subscriber, f.workspace_id);
    const newest = fresh.at(-1);
    if (newest) {
      this.position = { txid: newest.txid, seq: newest.seq };
      found = true;
    }
    const due = await this.db.app(null, () =>
      this.db.rows<{ subscriber: string; workspace_id: string }>('SELECT subscriber, workspace_id FROM plinth_due_retries(1000)'),
    );
    for (const d of due) {
      add(d.subscriber, d.workspace_id);
      found = true;
    }
    return this.schedule() || found;
  }

  /** Starts waiting pairs while there is room: one turn per pair at a time, each module within its slots. */
  private schedule(): boolean {
    let started = false;
    for (const [key, pair] of this.queued) {
      if (this.serving.size >= this.concurrency) break;
      if (this.serving.has(key) || this.isResting(key)) continue;
      const release = this.runtime.trySlot(pair.subscriber);
      if (!release) continue;
      this.queued.delete(key);
      const turn = this.serve(pair)
        .catch((err: unknown) => log.error({ err, subscriber: pair.subscriber }, 'delivery failed'))
        .finally(() => {
          release();
          this.serving.delete(key);
          this.wake();
        });
      this.serving.set(key, turn);
      started = true;
    }
    return started;
  }

  private isResting(key: string): boolean {
    return (this.resting.get(key)?.until ?? 0) > Date.now();
  }

  /** A pair's sandbox stalled: rest it, longer each time in a row, and look again when the rest is over. */
  private stalled(subscriber: string, workspaceId: string): void {
    const key = pairKey(subscriber, workspaceId);
    const stalls = (this.resting.get(key)?.stalls ?? 0) + 1;
    const waitMs = retryDelayMs(STALL_REST, stalls);
    this.resting.set(key, { until: Date.now() + waitMs, stalls });
    setTimeout(() => this.wake(), waitMs).unref();
  }

  /** A pair's turn: its batches until it has caught up (or another worker has it), then its due retries. */
  private async serve({ subscriber, workspaceId }: Pair): Promise<void> {
    const key = pairKey(subscriber, workspaceId);
    for (;;) {
      const taken = await this.deliverBatch(subscriber, workspaceId);
      if (taken === 'locked') this.lastSweep = 0; // another worker has it: look again next round
      if (taken !== 'more' || !this.running || this.isResting(key)) break;
    }
    if (!this.isResting(key)) await this.retry(subscriber, workspaceId);
  }

  private subscription(row: RegistryRow, event: string): { handler: string; retry: RetryPolicy } {
    const sub = (row.manifest.events?.subscribes ?? []).find((s) => s.event === event);
    if (!sub) throw new Error(`${row.moduleId}@${row.version} no longer subscribes to ${event}`);
    return { handler: sub.handler, retry: { ...DEFAULT_RETRY, ...sub.retry } };
  }

  /** The subscriber's installed version: one query in the batch's own transaction, the row itself cached. */
  private async moduleRow(subscriber: string): Promise<RegistryRow> {
    const [installed] = await this.db.rows<{ id: string }>(
      "SELECT id FROM module_registry WHERE module_id = $1 AND status = 'installed'",
      [subscriber],
    );
    if (!installed) throw new Error(`module ${subscriber} is not installed`);
    return this.runtime.version(subscriber, installed.id);
  }

  /**
   * Takes a (subscriber, workspace) pair for this transaction, if no other worker has it. An
   * advisory lock, not a row lock: a row lock would give the transaction an id at once, and the
   * log delivers nothing past the oldest running transaction id, so a handler that hangs before
   * it writes would hold every subscriber's deliveries back. The cursor is read after the lock,
   * in a statement of its own, so it is the one the previous holder committed.
   */
  private async claim(subscriber: string, workspaceId: string): Promise<boolean> {
    const [row] = await this.db.rows<{ taken: boolean }>('SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS taken', [
      `dispatch:${subscriber}:${workspaceId}`,
    ]);
    return row!.taken; // a SELECT without FROM answers one row
  }

  /**
   * One batch for one (subscriber, workspace): whether more of the subscriber's events wait
   * behind it ('more'), none do ('done'), or another worker has the pair ('locked'). The log's
   * other events are skipped in the database, not read: the cursor moves to the end of what the
   * batch looked at, so they are never looked at again.
   */
  private async deliverBatch(subscriber: string, workspaceId: string): Promise<'more' | 'done' | 'locked'> {
    let handed = 0;
    const taken = await this.runtime.moduleUnit(workspaceId, async () => {
      if (!(await this.claim(subscriber, workspaceId))) return 'locked';
      const rows = await this.db.rows<Partial<Row> & { headTxid: string; headSeq: string }>(
        // The head: the newest event every writer has finished (below the snapshot's xmin, so a
        // late commit is never skipped). Then the subscriber's events up to it, from the cursor.
        `SELECT h.txid::text AS "headTxid", h.seq::text AS "headSeq", m.*
           FROM event_cursors c
           CROSS JOIN LATERAL (
             SELECT e.txid, e.seq FROM events e
              WHERE e.workspace_id = c.workspace_id AND (e.txid, e.seq) > (c.txid, c.seq)
                AND e.txid < pg_snapshot_xmin(pg_current_snapshot())
              ORDER BY e.txid DESC, e.seq DESC LIMIT 1) h
           LEFT JOIN LATERAL (
             -- The JSON of the batch's events only: the planner may sort every event up to the head first.
             SELECT e.id, e.name, ${deliveredJson('1')}, e.txid::text, e.seq::text
               FROM (SELECT * FROM events e
                      WHERE e.workspace_id = c.workspace_id AND (e.txid, e.seq) > (c.txid, c.seq) AND (e.txid, e.seq) <= (h.txid, h.seq)
                        AND e.subscribers @> ARRAY[c.subscriber]
                      ORDER BY e.txid, e.seq LIMIT $3) e
              ORDER BY e.txid, e.seq) m ON true
          WHERE c.subscriber = $1 AND c.workspace_id = $2`,
        [subscriber, workspaceId, this.batchSize],
      );
      const [head] = rows;
      if (!head) return 'done';
      const mine = (head.id ? rows : []) as Row[];
      const done = mine.length > 0 ? await this.deliver(subscriber, workspaceId, mine) : 0;
      // A full or cut batch stops at its last event done; a short one has seen everything up to the head.
      const more = done === this.batchSize || done < mine.length;
      const last = (more ? mine[done - 1] : undefined) ?? { txid: head.headTxid, seq: head.headSeq };
      await this.db.exec(
        `UPDATE event_cursors SET txid = $3::xid8, seq = $4, delivered = delivered + $5, updated_at = now()
          WHERE subscriber = $1 AND workspace_id = $2`,
        [subscriber, workspaceId, last.txid, last.seq, done],
      );
      handed = done;
      return more ? 'more' : 'done';
    });
    if (handed > 0) this.onDelivered?.(handed);
    return taken;
  }

  /**
   * Runs the handlers of a batch in one savepoint; if any throws, runs them again one by one,
   * each in its own savepoint, and records the failures: a failing event never blocks or
   * re-runs the others. Once one of them stalls its sandbox (time or memory), the rest are not
   * run now but recorded for a retry of their own: a hung handler costs one time limit per turn.
   * Returns how many of the events it took, in order: all of them, but for a webhook's batch
   * cut short (see sendToWebhook).
   */
  private async deliver(subscriber: string, workspaceId: string, events: Row[]): Promise<number> {
    if (webhookIdOf(subscriber)) return this.sendToWebhook(subscriber, workspaceId, events, false);
    const row = await this.moduleRow(subscriber);
    const plan = events.map((event) => ({ event, ...this.subscription(row, event.name) }));
    const runAll = (items: typeof plan) =>
      this.runtime.invoke(
        subscriber,
        { workspaceId, delivery: true },
        items.map((p) => [p.handler, new JsonText(`[${p.event.delivered}]`)]),
      );
    try {
      await runAll(plan);
      this.resting.delete(pairKey(subscriber, workspaceId));
      return events.length;
    } catch {
      // one of them failed: find which, alone
    }
    let stalled: { error: SandboxError; delayMs: number } | null = null;
    for (const p of plan) {
      let attempts = 1;
      let failure: unknown;
      try {
        if (stalled) {
          attempts = 0;
          failure = new Error(`not run yet: an earlier event of its batch stalled the sandbox (${stalled.error.message})`);
        } else await runAll([p]);
      } catch (err) {
        failure = err;
        if (err instanceof SandboxError && err.failure !== 'code') {
          stalled = { error: err, delayMs: retryDelayMs(p.retry, 1) };
          this.stalled(subscriber, workspaceId);
        }
      }
      if (failure === undefined) continue;
      const dead = attempts >= p.retry.maxAttempts;
      // Those not run wait as long as the one that stalled: the sandbox is tried again once, not once per event.
      const delayMs = stalled && attempts === 0 ? stalled.delayMs : retryDelayMs(p.retry, attempts);
      await this.db.exec(
        // From the failure, not from the batch's start (now()): a long batch must not shorten the wait.
        `INSERT INTO event_deliveries (event_id, subscriber, workspace_id, status, attempts, next_attempt_at, last_error)
         VALUES ($1, $2, $3, $4, $5, clock_timestamp() + $6 * interval '1 millisecond', $7)`,
        [p.event.id, subscriber, workspaceId, dead ? 'dead' : 'failed', attempts, delayMs, describe(failure)],
      );
    }
    return events.length;
  }

  /**
   * A webhook's share of a batch, or its due retries: POSTs in order (WebhookDeliveries.send),
   * then the failures recorded as a module's are — retried with backoff, dead after the
   * operator's attempts — and the webhook's count of dead deliveries in a row kept. The sends
   * happen before any write, so the transaction holds no id (and no cursor back) while it waits
   * on the network. Returns how many events were sent: a slow receiver cuts the batch short.
   */
  private async sendToWebhook(
    subscriber: string,
    workspaceId: string,
    events: (Pick<Row, 'id' | 'delivered'> & { attempts?: number })[],
    retried: boolean,
  ): Promise<number> {
    const failures = await this.webhooks.send(
      subscriber,
      events.map((e) => e.delivered),
    );
    const policy: RetryPolicy = this.webhooks.retry;
    const outcomes: Outcome[] = [];
    let lastError: string | null = null;
    for (const [i, failure] of failures.entries()) {
      const event = events[i]!; // send answers no more outcomes than it was given events
      const attempt = (event.attempts ?? 0) + 1;
      if (failure === null) {
        outcomes.push('delivered');
        if (retried)
          await this.db.exec(
            `UPDATE event_deliveries SET status = 'delivered', attempts = $3, delivered_at = now(), last_error = NULL
              WHERE event_id = $1 AND subscriber = $2`,
            [event.id, subscriber, attempt],
          );
        continue;
      }
      const dead = attempt >= policy.maxAttempts;
      outcomes.push(dead ? 'dead' : 'failed');
      lastError = failure;
      await this.db.exec(
        `INSERT INTO event_deliveries (event_id, subscriber, workspace_id, status, attempts, next_attempt_at, last_error)
         VALUES ($1, $2, $3, $4, $5, clock_timestamp() + $6 * interval '1 millisecond', $7)
         ON CONFLICT (event_id, subscriber) DO UPDATE SET status = EXCLUDED.status, attempts = EXCLUDED.attempts,
           next_attempt_at = EXCLUDED.next_attempt_at, last_error = EXCLUDED.last_error`,
        [
          event.id,
          subscriber,
          workspaceId,
          dead ? 'dead' : 'failed',
          attempt,
          retryDelayMs(policy, attempt),
          failure.slice(0, 2000),
        ],
      );
    }
    await this.webhooks.settle(subscriber, workspaceId, outcomes, lastError);
    return failures.length;
  }

  /** Retries the due failed deliveries of one (subscriber, workspace), each in its own savepoint. */
  private async retry(subscriber: string, workspaceId: string): Promise<number> {
    return this.runtime.moduleUnit(workspaceId, async () => {
      if (!(await this.claim(subscriber, workspaceId))) return 0;
      const due = await this.db.rows<Omit<Row, keyof Position> & { attempts: number }>(
        `SELECT e.id, e.name, ${deliveredJson('d.attempts + 1')}, d.attempts FROM event_deliveries d JOIN events e ON e.id = d.event_id
          WHERE d.subscriber = $1 AND d.workspace_id = $2 AND d.status = 'failed' AND d.next_attempt_at <= now()
          ORDER BY d.next_attempt_at LIMIT 100`,
        [subscriber, workspaceId],
      );
      if (due.length === 0) return 0;
      if (webhookIdOf(subscriber)) return this.sendToWebhook(subscriber, workspaceId, due, true);
      const row = await this.moduleRow(subscriber);
      let done = 0;
      for (const event of due) {
        done++;
        const { handler, retry } = this.subscription(row, event.name);
        const attempt = event.attempts + 1;
        try {
          await this.runtime.invoke(subscriber, { workspaceId, delivery: true }, [
            [handler, new JsonText(`[${event.delivered}]`)],
          ]);
          await this.db.exec(
            `UPDATE event_deliveries SET status = 'delivered', attempts = $3, delivered_at = now(), last_error = NULL
              WHERE event_id = $1 AND subscriber = $2`,
            [event.id, subscriber, attempt],
          );
          this.resting.delete(pairKey(subscriber, workspaceId));
        } catch (err) {
          const dead = attempt >= retry.maxAttempts;
          const delayMs = retryDelayMs(retry, attempt);
          await this.db.exec(
            `UPDATE event_deliveries SET status = $3, attempts = $4, last_error = $5,
                    next_attempt_at = clock_timestamp() + $6 * interval '1 millisecond'
              WHERE event_id = $1 AND subscriber = $2`,
            [event.id, subscriber, dead ? 'dead' : 'failed', attempt, describe(err), delayMs],
          );
          if (err instanceof SandboxError && err.failure !== 'code') {
            this.stalled(subscriber, workspaceId);
            // A stalled sandbox: the pair's other due retries wait as long as this one, not a turn each.
            await this.db.exec(
              `UPDATE event_deliveries SET next_attempt_at = clock_timestamp() + $3 * interval '1 millisecond'
                WHERE subscriber = $1 AND event_id = ANY($2::uuid[]) AND status = 'failed'`,
              [subscriber, due.slice(done).map((d) => d.id), delayMs],
            );
            break;
          }
        }
      }
      return done;
    });
  }
}

function describe(err: unknown): string {
  const e = err as { parent?: Error; message?: string };
  return (e.parent?.message ?? e.message ?? String(err)).slice(0, 2000);
}
