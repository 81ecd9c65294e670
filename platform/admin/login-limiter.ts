import type { Database } from '../db/index.js';

export interface LimiterOptions {
  /** Failures one address may have against one account within the window: the lock a guesser meets first. */
  perPair: number;
  /**
   * Failures an account may have from every address together. Far above `perPair`, so that a
   * stranger guessing from a few addresses cannot lock the owner out from theirs.
   */
  perAccount: number;
  /** Failures an address may have over every account it tried. */
  perAddress: number;
  windowMs: number;
}

export const DEFAULT_LIMITS: LimiterOptions = { perPair: 5, perAccount: 100, perAddress: 50, windowMs: 15 * 60_000 };

/** Advisory-lock class of sign-in attempts (the first key of the two-key form). */
const LOCK_CLASS = 0x706c6e;

/**
 * Failed sign-ins counted in the database, so every web process (and a restart) sees the same
 * counts; a window starts at its first failure. An attempt is counted before its password is
 * checked, under a lock on its account and address, so however many arrive at once, no more
 * than the limit are ever checked; a success takes its count back.
 */
export class LoginLimiter {
  constructor(
    private readonly db: Database,
    private readonly options: LimiterOptions = DEFAULT_LIMITS,
  ) {}

  private keys(email: string, address: string): { pair: string; account: string; from: string } {
    // Within the table's 320 characters: the longest email, and an address with room to spare.
    const account = email.trim().toLowerCase().slice(0, 254);
    const from = address.slice(0, 60);
    return { pair: `pair:${account} ${from}`, account: `account:${account}`, from: `address:${from}` };
  }

  /**
   * Why this attempt may not be checked, or null once it is counted: the caller then checks the
   * password, and calls `succeeded` when it was right.
   */
  async attempt(email: string, address: string): Promise<string | null> {
    const { pair, account, from } = this.keys(email, address);
    const limits = [
      [pair, this.options.perPair, 'this account from this address'],
      [account, this.options.perAccount, 'this account'],
      [from, this.options.perAddress, 'this address'],
    ] as const;
    return this.db.app(null, async () => {
      // The account's and the address's attempts queue here: what is read below is what is counted.
      await this.db.exec(
        'SELECT pg_advisory_xact_lock($1, hashtext(k)) FROM (SELECT unnest($2::text[]) AS k ORDER BY 1) AS keys',
        [LOCK_CLASS, [account, from]],
      );
      const rows = await this.db.rows<{ key: string; failures: number; minutes: number }>(
        `SELECT key, failures,
                ceil(extract(epoch FROM window_start + $2 * interval '1 millisecond' - now()) / 60)::int AS minutes
           FROM login_failures WHERE key = ANY($1) AND window_start > now() - $2 * interval '1 millisecond'`,
        [[pair, account, from], this.options.windowMs],
      );
      for (const [key, limit, who] of limits) {
        const row = rows.find((r) => r.key === key);
        if (row && row.failures >= limit)
          return `Too many failed sign-ins for ${who}: try again in ${Math.max(1, row.minutes)} minute(s).`;
      }
      await this.db.exec(
        `INSERT INTO login_failures AS f (key, failures) SELECT k, 1 FROM unnest($1::text[]) AS k
         ON CONFLICT (key) DO UPDATE SET
           failures = CASE WHEN f.window_start <= now() - $2 * interval '1 millisecond' THEN 1 ELSE f.failures + 1 END,
           window_start = CASE WHEN f.window_start <= now() - $2 * interval '1 millisecond' THEN now() ELSE f.window_start END`,
        [[pair, account, from], this.options.windowMs],
      );
      return null;
    });
  }

  /** The right password: the pair's and the account's counts start again, and the address's loses this attempt. */
  async succeeded(email: string, address: string): Promise<void> {
    const { pair, account, from } = this.keys(email, address);
    await this.db.app(null, async () => {
      await this.db.exec('DELETE FROM login_failures WHERE key = ANY($1)', [[pair, account]]);
      await this.db.exec('UPDATE login_failures SET failures = failures - 1 WHERE key = $1 AND failures > 0', [from]);
    });
  }
}
