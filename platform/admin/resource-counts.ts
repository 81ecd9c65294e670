import type { Filter } from 'adminjs';
import type { ResourceConditions } from './resource-conditions.js';
import type { ResourceScope } from './resource-scope.js';
import type { ScopedTable } from './scoped-table.js';

/** A prefix no attribute has: the page statement's extra columns. */
export const TOTALS = '__plinth_total_';

/** Up to this many rows a list's total is counted; past it, estimated. */
export const COUNT_EXACT_UP_TO = 1000;

/** A resource's totals: exact for a small list, estimated past COUNT_EXACT_UP_TO rows. */
export class ResourceCounts {
  /** What the list's page statement learnt about the total, for the `count` AdminJS asks next with the same filter. */
  readonly knownTotals = new WeakMap<Filter, { capped: unknown; estimate: unknown }>();

  constructor(
    private readonly scope: ResourceScope,
    private readonly table: ScopedTable,
    private readonly conditions: ResourceConditions,
  ) {}

  /**
   * Counted exactly up to COUNT_EXACT_UP_TO rows; past that, the planner's estimate (what the
   * list's pagination needs, without reading every row of a large workspace on every page) —
   * unless the estimate is below what was already counted (statistics not yet gathered), when
   * the count is exact after all. After `find` with the same filter, no statement at all.
   */
  async count(filter: Filter): Promise<number> {
    let known = this.knownTotals.get(filter);
    this.knownTotals.delete(filter);
    if (!known) {
      const values: unknown[] = [];
      const where = this.conditions.where(filter, values);
      if (where === null) return 0;
      [known] = await this.table.read<{ capped: unknown; estimate: unknown }>(this.totalsQuery(where, values), values);
    }
    const totals = known!; // an aggregate without GROUP BY answers exactly one row
    const capped = Number(totals.capped);
    const estimate = totals.estimate === null ? null : Number(totals.estimate); // a bigint: text from the driver
    if (capped <= COUNT_EXACT_UP_TO) return capped;
    return estimate !== null && estimate > capped ? estimate : this.exactCount(filter);
  }

  /** Every matching row counted: for a dashboard figure, never estimated. */
  async exactCount(filter?: Filter): Promise<number> {
    const values: unknown[] = [];
    const where = this.conditions.where(filter, values);
    if (where === null) return 0;
    const [row] = await this.table.read<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${this.table.name} WHERE ${where}`,
      values,
    );
    return row!.n; // count(*) answers one row
  }

  /**
   * The capped count and, past the cap, the planner's estimate, as one row: a statement to select
   * from. The estimated query goes to the function as a value (its own values quoted in first).
   */
  totalsQuery(where: string, values: unknown[]): string {
    const estimated = this.scope.db.inline(`SELECT 1 FROM ${this.table.name} WHERE ${where}`, values);
    values.push(estimated);
    return `SELECT capped, CASE WHEN capped > ${COUNT_EXACT_UP_TO} THEN plinth_estimated_rows($${values.length}) END AS estimate
              FROM (SELECT count(*)::int AS capped
                      FROM (SELECT 1 FROM ${this.table.name} WHERE ${where} LIMIT ${COUNT_EXACT_UP_TO + 1}) AS matching) AS counted`;
  }
}
