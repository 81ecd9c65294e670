import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What a request took for granted to save a round trip (its session as this process last read
 * it, the versions its screens were built at), as a statement returning one row whose `HOLDS`
 * column says whether it still holds.
 */
export interface Assumption {
  sql: string;
}

/** The column of an assumption's row: it comes first among the rows of the read that carried it. */
export const HOLDS = '__plinth_assumption_holds';

/**
 * A request's pending assumption. The request's first read outside a unit carries its statement
 * in the same round trip; if none does (or that read failed), `verdict` runs it alone.
 */
export class AssumptionCheck {
  private assumption: Assumption | null = null;
  private taken = false;
  private told: Promise<boolean | null> | null = null;

  assume(assumption: Assumption): void {
    this.assumption = assumption;
  }

  /** The assumption for the read about to be sent, once: later reads go without it. */
  take(): Assumption | null {
    if (!this.assumption || this.taken) return null;
    this.taken = true;
    return this.assumption;
  }

  /** The verdict the carrying read will tell: null when it failed before telling. */
  tellBy(verdict: Promise<boolean | null>): void {
    this.told = verdict;
  }

  /** Whether the request assumed anything at all: if not, its answer need not wait for a verdict. */
  get assuming(): boolean {
    return this.assumption !== null;
  }

  /** Whether the assumption held; `checkAlone` runs its statement when no read told. */
  async verdict(checkAlone: (assumption: Assumption) => Promise<boolean>): Promise<boolean> {
    const told = this.told ? await this.told : null;
    if (told !== null) return told;
    return this.assumption ? checkAlone(this.assumption) : true;
  }
}

/** The check of the request being served, where the request set one up. */
export const assumptions = new AsyncLocalStorage<AssumptionCheck>();
