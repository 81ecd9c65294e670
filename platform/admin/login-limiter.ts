import type { Database } from '../db/index.js';

export interface LimiterOptions {
  /** Failures an account may have within the window before sign-in is refused for it. */
  perAccount: number;
  /** Failures an address may have within the window, over every account it tried. */
  perAddress: number;
  windowMs: number;
}

export const DEFAULT_LIMITS: LimiterOptions = { perAccount: 5, perAddress: 20, windowMs: 15 * 60_000 };

/**
 * Failed sign-ins counted per account and per address in the database, so every web process
 * (and a restart) sees the same counts. A window starts at its first failure.
 */
export class LoginLimiter {
  constructor(
    private readonly db: Database,
    private readonly options: LimiterOptions = DEFAULT_LIMITS,
  ) {}

  private keys(email: string, address: string): [string, string] {
    return [`account:${email.trim().toLowerCase().slice(0, 300)}`, `address:${address.slice(0, 300)}`];
  }

  /** Why sign-in is refused now for this account or address, or null. */
  async refusal(email: string, address: string): Promise<string | null> {
    const [account, from] = this.keys(email, address);
    const rows = await this.db.app(null, () =>
      this.db.rows<{ key: string; minutes: number }>(
        `SELECT key, ceil(extract(epoch FROM window_start + $2 * interval '1 millisecond' - now()) / 60)::int AS minutes
           FROM login_failures
          WHERE key = ANY($1) AND window_start > now() - $2 * interval '1 millisecond'
            AND failures >= CASE WHEN key LIKE 'account:%' THEN $3::int ELSE $4::int END`,
        [[account, from], this.options.windowMs, this.options.perAccount, this.options.perAddress],
      ),
    );
    const hit = rows.find((r) => r.key === account) ?? rows[0];
    if (!hit) return null;
    const who = hit.key === account ? 'this account' : 'this address';
    return `Too many failed sign-ins for ${who}: try again in ${Math.max(1, hit.minutes)} minute(s).`;
  }

  async failed(email: string, address: string): Promise<void> {
    await this.db.app(null, () =>
      this.db.exec(
        `INSERT INTO login_failures AS f (key, failures) SELECT k, 1 FROM unnest($1::text[]) AS k
         ON CONFLICT (key) DO UPDATE SET
           failures = CASE WHEN f.window_start <= now() - $2 * interval '1 millisecond' THEN 1 ELSE f.failures + 1 END,
           window_start = CASE WHEN f.window_start <= now() - $2 * interval '1 millisecond' THEN now() ELSE f.window_start END`,
        [this.keys(email, address), this.options.windowMs],
      ),
    );
  }

  /** A success clears the account's count (not the address's: it may be guessing other accounts). */
  async succeeded(email: string, address: string): Promise<void> {
    await this.db.app(null, () => this.db.exec('DELETE FROM login_failures WHERE key = $1', [this.keys(email, address)[0]]));
  }
}
