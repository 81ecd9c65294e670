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
 * The parts of the range no partition covers, oldest first. Partitions made with another period
 * length, or the one the rows before partitioning got (from the beginning to the migration), may
 * cover some of a period.
 */
function gaps(existing: Period[], from: number, to: number): { from: number; to: number }[] {
  const found: { from: number; to: number }[] = [];
  let at = from;
  for (const p of existing.filter((x) => x.to > from && x.from < to)) {
    if (p.from > at) found.push({ from: at, to: p.from });
    at = Math.max(at, p.to);
  }
  if (at < to) found.push({ from: at, to });
  return found;
}

/**
 * Time partitions of the events table: made ahead of need, and — only when retention is set —
 * dropped once their period has ended, every subscriber's cursor has passed their last event
 * and they hold no failed or dead delivery. Dropping a partition leaves no dead rows to vacuum.
 */
export class EventRetention {
  private readonly ahead: number;
  /** Periods whose partition could not be made, by start: said once per process, not every round. */
  private readonly reported = new Set<number>();

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
   * Makes sure the current period and the next ones have their partition, and that no row waits
   * in the default partition: the period of each row found there gets its partition, with its
   * rows moved in. Returns the partitions made. A partition that cannot be made now (its locks
   * are busy) is tried again next round; nothing is lost meanwhile, its rows wait in the default.
   */
  async ensurePartitions(now = Date.now()): Promise<string[]> {
    const { periodMs } = this.options;
    const start = Math.floor(now / periodMs) * periodMs;
    const ahead = Array.from({ length: this.ahead + 1 }, (_, k) => start + k * periodMs);
    const existing = await this.periods();
    const missing = ahead.filter((from) => gaps(existing, from, from + periodMs).length > 0);
    const starts = [...new Set([...missing, ...(await this.strayPeriods())])].sort((a, b) => a - b);
    const created: string[] = [];
    for (const from of starts) {
      try {
        created.push(...(await this.makePeriod(from)));
      } catch (err) {
        const message = (err as Error).message;
        if (!this.reported.has(from)) {
          this.reported.add(from);
          log.warn(
            { period: iso(from), err: message },
            'event partition not made now; tried again next round (its rows wait in events_default)',
          );
        }
      }
    }
    return created;
  }

  /** The starts of the periods that have rows in the default partition. */
  private async strayPeriods(): Promise<number[]> {
    const rows = await this.db.owner('look for events in the default partition', () =>
      this.db.rows<{ period: string }>(
        `SELECT DISTINCT floor(extract(epoch FROM recorded_at) * 1000 / $1)::text AS period FROM ONLY events_default`,
        [this.options.periodMs],
      ),
    );
    return rows.map((r) => Number(r.period) * this.options.periodMs);
  }

  /**
   * Makes the partitions of what of the period starting at `from` none covers yet, moving in the
   * rows of their ranges that wait in the default partition, all in one transaction: a partition
   * cannot be attached while the default holds rows of its range. The whole table is locked, as
   * making a partition always did: an insert that began before the new partition exists would
   * route its row to the default partition and fail once the partition is attached. The lock
   * waits for every writer still open (so no uncommitted row is left in the default), and is
   * taken before the default partition's, in the order dropping a partition takes them. Returns
   * the partitions made: none when another process made them first.
   */
  private async makePeriod(from: number): Promise<string[]> {
    return this.db.owner('make an event partition', async () => {
      await this.db.exec(`SET LOCAL lock_timeout = '${LOCK_WAIT}'`);
      await this.db.exec('LOCK TABLE ONLY events IN ACCESS EXCLUSIVE MODE');
      await this.db.exec('LOCK TABLE events_default IN ACCESS EXCLUSIVE MODE');
      const ranges = gaps(await this.periods(), from, from + this.options.periodMs);
      if (ranges.length === 0) return [];
      const [{ columns }] = (await this.db.rows<{ columns: string }>(
        `SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) AS columns FROM pg_attribute
          WHERE attrelid = 'events'::regclass AND attnum > 0 AND NOT attisdropped`,
      )) as [{ columns: string }]; // an aggregate answers one row
      const made: string[] = [];
      for (const range of ranges) {
        const partition = partitionName(range.from, range.to);
        // Made apart, filled, then attached: CREATE … PARTITION OF refuses a range the default holds rows of.
        await this.db.exec(`CREATE TABLE ${partition} (LIKE events INCLUDING CONSTRAINTS)`);
        const [{ moved }] = (await this.db.rows<{ moved: number }>(
          `WITH moved AS (DELETE FROM ONLY events_default
                           WHERE recorded_at >= '${iso(range.from)}' AND recorded_at < '${iso(range.to)}'
                           RETURNING ${columns}),
                kept AS (INSERT INTO ${partition} (${columns}) SELECT ${columns} FROM moved RETURNING 1)
           SELECT count(*)::int AS moved FROM kept`,
        )) as [{ moved: number }]; // count(*) answers one row
        await this.db.exec(
          `ALTER TABLE events ATTACH PARTITION ${partition} FOR VALUES FROM ('${iso(range.from)}') TO ('${iso(range.to)}')`,
        );
        if (moved > 0) log.info({ partition, moved }, 'events moved out of events_default');
        made.push(partition);
      }
      return made;
    });
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
