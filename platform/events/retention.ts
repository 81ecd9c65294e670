import type { Database } from '../db/index.js';
import type { PlinthConfig } from '../config/index.js';
import { log } from '../log/index.js';

export interface RetentionOptions {
  /** The length of one partition. */
  periodMs: number;
  /** How long a period is kept after it ends; null: for ever (nothing is dropped). */
  keepMs: number | null;
  /** How many periods past the current one get their partition ahead of time. */
  ahead?: number;
}

export interface PruneReport {
  dropped: string[];
  kept: { partition: string; reason: string }[];
}

interface Period {
  partition: string;
  from: number;
  to: number;
}

const NAME = /^events_(\d+)_(\d+)$/;
/**
 * Creating or dropping a partition locks the whole events table; while such a lock waits, every
 * emit and delivery queues behind it. So it waits briefly, and tries again next round instead.
 */
const LOCK_WAIT = '500ms';
const partitionName = (from: number, to: number): string => `events_${from / 1000}_${to / 1000}`;
const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Time partitions of the events table: made ahead of need, and — only when retention is set —
 * dropped once their period has ended, every subscriber's cursor has passed their last event
 * and they hold no failed or dead delivery. Dropping a partition leaves no dead rows to vacuum.
 */
export class EventRetention {
  private readonly ahead: number;
  /** Periods already reported as left to the default partition: said once per process, not every round. */
  private readonly reported = new Set<string>();

  constructor(
    private readonly db: Database,
    private readonly options: RetentionOptions,
  ) {
    this.ahead = options.ahead ?? 3;
  }

  static fromConfig(db: Database, config: PlinthConfig): EventRetention {
    return new EventRetention(db, { periodMs: config.eventPeriodMs, keepMs: config.eventRetentionMs });
  }

  /** The periods that have a partition, oldest first. */
  async periods(): Promise<Period[]> {
    const rows = await this.db.owner('list event partitions', () =>
      this.db.rows<{ name: string }>(
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
          WHERE i.inhparent = 'events'::regclass`,
      ),
    );
    return rows
      .map((r) => NAME.exec(r.name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ partition: m[0], from: Number(m[1]) * 1000, to: Number(m[2]) * 1000 }))
      .sort((a, b) => a.from - b.from);
  }

  /**
   * Creates the partitions of the current period and the next ones (or what of a period no
   * partition covers yet), skipping any whose rows already went to the default partition.
   */
  async ensurePartitions(now = Date.now()): Promise<string[]> {
    const { periodMs } = this.options;
    const existing = await this.periods();
    const created: string[] = [];
    const start = Math.floor(now / periodMs) * periodMs;
    for (let k = 0; k <= this.ahead; k++) {
      const to = start + (k + 1) * periodMs;
      // A period an existing partition covers in part (the rows before migration 0010) gets the rest.
      const from = Math.max(start + k * periodMs, ...existing.filter((p) => p.from < to).map((p) => p.to));
      if (from >= to) continue;
      const partition = partitionName(from, to);
      try {
        await this.db.owner('create an event partition', async () => {
          await this.db.exec(`SET LOCAL lock_timeout = '${LOCK_WAIT}'`);
          await this.db.exec(`CREATE TABLE ${partition} PARTITION OF events FOR VALUES FROM ('${iso(from)}') TO ('${iso(to)}')`);
        });
        created.push(partition);
      } catch (err) {
        const message = (err as Error).message;
        // Another worker made it a moment ago: nothing to say.
        if (!message.includes('already exists') && !this.reported.has(partition)) {
          this.reported.add(partition);
          log.warn({ partition, err: message }, 'event partition not created; its rows stay in events_default');
        }
      }
    }
    return created;
  }

  /** Drops every period that may go; says why each ended one stays. */
  async prune(): Promise<PruneReport> {
    const report: PruneReport = { dropped: [], kept: [] };
    if (this.options.keepMs === null) return report;
    const [clock] = await this.db.owner('read the clock', () => this.db.rows<{ now: Date }>('SELECT clock_timestamp() AS now'));
    const cutoff = new Date(clock!.now).getTime() - this.options.keepMs; // a SELECT without FROM answers one row
    for (const period of await this.periods()) {
      if (period.to > cutoff) continue;
      const reason = await this.dropIfPassed(period.partition);
      if (reason) report.kept.push({ partition: period.partition, reason });
      else report.dropped.push(period.partition);
    }
    if (report.dropped.length > 0) log.info({ dropped: report.dropped }, 'event partitions dropped');
    return report;
  }

  /** Drops one ended period unless something still needs it; returns what does, or null once dropped. */
  private async dropIfPassed(partition: string): Promise<string | null> {
    try {
      return await this.db.owner('drop an event partition', async () => {
        // Waits for any transaction still writing to it (a late commit), then keeps writers out;
        // writers of the current period and readers go on. The drop itself locks the whole table, briefly.
        await this.db.exec(`SET LOCAL lock_timeout = '${LOCK_WAIT}'`);
        await this.db.exec(`LOCK TABLE ${partition} IN SHARE ROW EXCLUSIVE MODE`);
        const [behind] = await this.db.rows<{ subscriber: string; slug: string }>(
          `SELECT last.subscriber, w.slug FROM (
             SELECT DISTINCT ON (e.workspace_id, s.subscriber) e.workspace_id, s.subscriber, e.txid, e.seq
               FROM ${partition} e CROSS JOIN LATERAL unnest(e.subscribers) AS s(subscriber)
              ORDER BY e.workspace_id, s.subscriber, e.txid DESC, e.seq DESC) last
             JOIN event_cursors c ON c.subscriber = last.subscriber AND c.workspace_id = last.workspace_id
             JOIN workspaces w ON w.id = last.workspace_id
            WHERE (c.txid, c.seq) < (last.txid, last.seq) LIMIT 1`,
        );
        if (behind) return `subscriber ${behind.subscriber} has not passed it in workspace "${behind.slug}"`;
        const [unfinished] = await this.db.rows<{ status: string; n: string }>(
          `SELECT d.status, count(*)::text AS n FROM event_deliveries d JOIN ${partition} e ON e.id = d.event_id
            WHERE d.status IN ('failed', 'dead') GROUP BY d.status ORDER BY d.status DESC LIMIT 1`,
        );
        if (unfinished) return `it holds ${unfinished.n} ${unfinished.status} deliveries`;
        await this.db.exec(`DELETE FROM event_deliveries d USING ${partition} e WHERE d.event_id = e.id`);
        await this.db.exec(`DELETE FROM event_idempotency_keys k USING ${partition} e WHERE k.event_id = e.id`);
        await this.db.exec(`DROP TABLE ${partition}`);
        return null;
      });
    } catch (err) {
      return `could not lock it now (${(err as Error).message}); tried again later`;
    }
  }
}
