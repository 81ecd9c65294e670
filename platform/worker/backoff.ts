/** A subscription's retry policy, with the defaults a manifest may leave out. */
export interface RetryPolicy {
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, initialDelayMs: 1000, maxDelayMs: 5 * 60_000 };

/**
 * The wait before attempt `attempts + 1`: exponential from the initial delay, capped, with
 * jitter (between half and all of it) so that failures of many deliveries do not retry in step.
 */
export function retryDelayMs(policy: RetryPolicy, attempts: number, random = Math.random): number {
  const exponential = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(exponential * (0.5 + random() / 2));
}
