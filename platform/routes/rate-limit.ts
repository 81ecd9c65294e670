import type { Database } from '../db/index.js';
import { RouteError } from './errors.js';

/** How often a request also clears expired counts: rarely enough to cost nothing, often enough to keep the table small. */
const PURGE_CHANCE = 0.01;

export interface RateLimit {
  max: number;
  windowSeconds: number;
}

/**
 * Requests counted per key (route, workspace, address) in the database, so every web process
 * and a restart see the same counts. A fixed window starts at its first request; refused
 * requests count too. Now and then the expired counts of every key are dropped, so keys made up
 * by callers (slugs, addresses) do not pile up.
 */
export class RouteLimiter {
  constructor(private readonly db: Database) {}

  /** Counts one request under `key`; refuses it with a 429 past the limit, telling whose requests (`from`) are too many. */
  async hit(key: string, limit: RateLimit, from = 'this address'): Promise<void> {
    const [row] = await this.db.app(null, () =>
      this.db.rows<{ hits: number; seconds: number }>(
        `INSERT INTO route_hits AS h (key, hits) VALUES ($1, 1)
         ON CONFLICT (key) DO UPDATE SET
           hits = CASE WHEN h.window_start <= now() - $2 * interval '1 second' THEN 1 ELSE h.hits + 1 END,
           window_start = CASE WHEN h.window_start <= now() - $2 * interval '1 second' THEN now() ELSE h.window_start END
         RETURNING hits, ceil(extract(epoch FROM window_start + $2 * interval '1 second' - now()))::int AS seconds`,
        [key.slice(0, 400), limit.windowSeconds],
      ),
    );
    if (Math.random() < PURGE_CHANCE) {
      await this.db.app(null, () => this.db.exec(`DELETE FROM route_hits WHERE window_start < now() - interval '1 day'`));
    }
    const { hits, seconds: left } = row!; // INSERT … ON CONFLICT DO UPDATE … RETURNING answers the row either way
    if (hits > limit.max) {
      const seconds = Math.max(1, left);
      throw new RouteError(
        429,
        'rate_limited',
        `too many requests from ${from}: at most ${limit.max} per ${limit.windowSeconds} s; try again in ${seconds} s`,
        undefined,
        { 'Retry-After': String(seconds) },
      );
    }
  }
}
