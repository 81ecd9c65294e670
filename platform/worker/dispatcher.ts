import type { Database } from '../db/index.js';
import pg from 'pg';
import { EVENT_COLUMNS, EVENTS_CHANNEL, EventRetention, type EventBus, type StoredEvent } from '../events/index.js';
import { loadHandler, moduleRoot, type ModuleContext, type ModuleRuntime } from '../gateway/index.js';
import { log } from '../log/index.js';
import type { PlinthConfig } from '../config/index.js';
import type { Marketplace, RegistryRow } from '../registry/index.js';
import { DEFAULT_RETRY, retryDelayMs, type RetryPolicy } from './backoff.js';

/** What a subscriber's handler receives: the event, and the delivery id to use as its idempotency key. */
export type DeliveredEvent = StoredEvent & { deliveryId: string; attempt: number };
export type EventHandler = (event: DeliveredEvent, ctx: ModuleContext) => Promise<void>;

export interface DispatcherOptions {
  /** Events one subscriber takes in one transaction. */
  batchSize?: number;
  /** How often to look for work when nothing woke the dispatcher. */
  pollMs?: number;
  /** How often to check every cursor for waiting work (covers what another worker left). */
  sweepMs?: number;
  /** A server database to LISTEN on, so that other processes' commits wake this dispatcher at once. */
  listenUrl?: string;
  /** How often to make the coming event partitions and, when retention is set, drop the expired ones. */
  maintenanceMs?: number;
}

interface Position {
  txid: string;
  seq: string;
}

type Row = StoredEvent & Position;

const pairKey = (subscriber: string, workspaceId: string): string => `${subscriber}\u0000${workspaceId}`;

/**
 * Delivers events to subscribers. Each (subscriber, workspace) has a cursor over the log; a
 * batch is one transaction that locks the cursor (FOR UPDATE SKIP LOCKED: any number of
 * workers, each pair served by one at a time), reads the events past it that every writing
 * transaction has finished (below the snapshot's xmin, so a late commit is never skipped),
 * runs the handlers in the module context, records failures, and moves the cursor. Handler
 * effects and delivery state commit together; a crashed worker's transaction rolls back and
 * its work is taken again.
 */
export class Dispatcher {
  private readonly batchSize: number;
  private readonly pollMs: number;
  private readonly sweepMs: number;
  private readonly handlers = new Map<string, EventHandler>();
  private position: Position | null = null;
  private lastSweep = 0;
  private lastMaintenance = 0;
  private readonly maintenanceMs: number;
  private readonly retention: EventRetention;
  private woken = false;
  private running = false;
  private loop: Promise<void> | null = null;
  private sleeper: { timer: NodeJS.Timeout; resolve: () => void } | null = null;
  private unsubscribe: (() => void) | null = null;
  private listener: pg.Client | null = null;

  constructor(
    private readonly db: Database,
    private readonly bus: EventBus,
    private readonly runtime: ModuleRuntime,
    private readonly marketplace: Marketplace,
    private readonly config: PlinthConfig,
    options: DispatcherOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.pollMs = options.pollMs ?? 250;
    this.sweepMs = options.sweepMs ?? 2000;
    this.listenUrl = options.listenUrl;
    this.maintenanceMs = options.maintenanceMs ?? 10 * 60_000;
    this.retention = EventRetention.fromConfig(db, config);
  }

  private readonly listenUrl?: string;

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

  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.wake();
    await this.loop;
    await this.listener?.end().catch(() => {});
    this.listener = null;
  }

  /** Something was committed: look now rather than at the next poll. */
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
    while (await this.tick()) {
      // keep going
    }
  }

  /** One round: new events since the last look, every waiting cursor now and then, due retries. Returns whether it did work. */
  async tick(): Promise<boolean> {
    const pairs = new Map<string, { subscriber: string; workspaceId: string }>();
    const add = (subscriber: string, workspaceId: string): void =>
      void pairs.set(pairKey(subscriber, workspaceId), { subscriber, workspaceId });
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
    if (fresh.length > 0) this.position = { txid: fresh[fresh.length - 1].txid, seq: fresh[fresh.length - 1].seq };
    let worked = fresh.length > 0;
    for (const { subscriber, workspaceId } of pairs.values()) {
      for (;;) {
        const taken = await this.deliverBatch(subscriber, workspaceId);
        if (taken === 'locked') this.lastSweep = 0; // another worker has it: look again next round
        if (taken !== this.batchSize) break;
        worked = true;
      }
    }
    const due = await this.db.app(null, () =>
      this.db.rows<{ subscriber: string; workspace_id: string }>('SELECT subscriber, workspace_id FROM plinth_due_retries(1000)'),
    );
    for (const d of due) if ((await this.retry(d.subscriber, d.workspace_id)) > 0) worked = true;
    return worked;
  }

  private async subscription(row: RegistryRow, event: string): Promise<{ handler: EventHandler; retry: RetryPolicy }> {
    const sub = (row.manifest.events?.subscribes ?? []).find((s) => s.event === event);
    if (!sub) throw new Error(`${row.moduleId}@${row.version} no longer subscribes to ${event}`);
    const key = `${row.id}:${sub.handler}`;
    let handler = this.handlers.get(key);
    if (!handler) {
      handler = await loadHandler<EventHandler>(await moduleRoot(this.config, this.marketplace.registry, row), sub.handler);
      this.handlers.set(key, handler);
    }
    return { handler, retry: { ...DEFAULT_RETRY, ...sub.retry } };
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

  /** One batch for one (subscriber, workspace): the number of events it moved past, or 'locked'. */
  private async deliverBatch(subscriber: string, workspaceId: string): Promise<number | 'locked'> {
    return this.db.app(workspaceId, async () => {
      const [cursor] = await this.db.rows<Position>(
        'SELECT txid::text, seq::text FROM event_cursors WHERE subscriber = $1 AND workspace_id = $2 FOR UPDATE SKIP LOCKED',
        [subscriber, workspaceId],
      );
      if (!cursor) return 'locked';
      const events = await this.db.rows<Row>(
        `SELECT ${EVENT_COLUMNS}, e.txid::text, e.seq::text FROM events e
          WHERE e.workspace_id = $1 AND (e.txid, e.seq) > ($2::xid8, $3::bigint) AND e.txid < pg_snapshot_xmin(pg_current_snapshot())
          ORDER BY e.txid, e.seq LIMIT $4`,
        [workspaceId, cursor.txid, cursor.seq, this.batchSize],
      );
      if (events.length === 0) return 0;
      const mine = events.filter((e) => e.subscribers.includes(subscriber));
      if (mine.length > 0) await this.deliver(subscriber, workspaceId, mine);
      const last = events[events.length - 1];
      await this.db.exec(
        `UPDATE event_cursors SET txid = $3::xid8, seq = $4, delivered = delivered + $5, updated_at = now()
          WHERE subscriber = $1 AND workspace_id = $2`,
        [subscriber, workspaceId, last.txid, last.seq, mine.length],
      );
      return events.length;
    });
  }

  /**
   * Runs the handlers of a batch in one savepoint; if any throws, runs them again one by one,
   * each in its own savepoint, and records the failures: a failing event never blocks or
   * re-runs the others.
   */
  private async deliver(subscriber: string, workspaceId: string, events: Row[]): Promise<void> {
    const row = await this.moduleRow(subscriber);
    // One after another: resolving a handler may read the registry, and queries of one unit never run concurrently.
    const plan: { event: Row; handler: EventHandler; retry: RetryPolicy }[] = [];
    for (const event of events) plan.push({ event, ...(await this.subscription(row, event.name)) });
    const runAll = (items: typeof plan) =>
      this.runtime.run(subscriber, { workspaceId, delivery: true }, async (ctx) => {
        for (const p of items) await p.handler({ ...p.event, deliveryId: `${p.event.id}:${subscriber}`, attempt: 1 }, ctx);
      });
    try {
      await runAll(plan);
      return;
    } catch {
      // one of them failed: find which, alone
    }
    for (const p of plan) {
      try {
        await runAll([p]);
      } catch (err) {
        const dead = p.retry.maxAttempts <= 1;
        await this.db.exec(
          // From the failure, not from the batch's start (now()): a long batch must not shorten the wait.
          `INSERT INTO event_deliveries (event_id, subscriber, workspace_id, status, attempts, next_attempt_at, last_error)
           VALUES ($1, $2, $3, $4, 1, clock_timestamp() + $5 * interval '1 millisecond', $6)`,
          [p.event.id, subscriber, workspaceId, dead ? 'dead' : 'failed', retryDelayMs(p.retry, 1), describe(err)],
        );
      }
    }
  }

  /** Retries the due failed deliveries of one (subscriber, workspace), each in its own savepoint. */
  private async retry(subscriber: string, workspaceId: string): Promise<number> {
    return this.db.app(workspaceId, async () => {
      const due = await this.db.rows<Row & { attempts: number }>(
        `SELECT ${EVENT_COLUMNS}, d.attempts FROM event_deliveries d JOIN events e ON e.id = d.event_id
          WHERE d.subscriber = $1 AND d.workspace_id = $2 AND d.status = 'failed' AND d.next_attempt_at <= now()
          ORDER BY d.next_attempt_at LIMIT 100 FOR UPDATE OF d SKIP LOCKED`,
        [subscriber, workspaceId],
      );
      if (due.length === 0) return 0;
      const row = await this.moduleRow(subscriber);
      for (const event of due) {
        const { handler, retry } = await this.subscription(row, event.name);
        const attempt = event.attempts + 1;
        try {
          await this.runtime.run(subscriber, { workspaceId, delivery: true }, (ctx) =>
            handler({ ...event, deliveryId: `${event.id}:${subscriber}`, attempt }, ctx),
          );
          await this.db.exec(
            `UPDATE event_deliveries SET status = 'delivered', attempts = $3, delivered_at = now(), last_error = NULL
              WHERE event_id = $1 AND subscriber = $2`,
            [event.id, subscriber, attempt],
          );
        } catch (err) {
          const dead = attempt >= retry.maxAttempts;
          await this.db.exec(
            `UPDATE event_deliveries SET status = $3, attempts = $4, last_error = $5,
                    next_attempt_at = clock_timestamp() + $6 * interval '1 millisecond'
              WHERE event_id = $1 AND subscriber = $2`,
            [event.id, subscriber, dead ? 'dead' : 'failed', attempt, describe(err), retryDelayMs(retry, attempt)],
          );
        }
      }
      return due.length;
    });
  }
}

function describe(err: unknown): string {
  const e = err as { parent?: Error; message?: string };
  return (e.parent?.message ?? e.message ?? String(err)).slice(0, 2000);
}
