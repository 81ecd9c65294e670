import { ValidationError } from '../../../errors/index.js';

/**
 * `--expires`: a number of days from now (`30d`) or a time (`2027-01-31`, `2027-01-31T12:00:00Z`).
 * Whether it is in the future is the entity's check, made with the rest before anything is written.
 */
export function parseExpiry(raw: string, now = Date.now()): Date {
  const days = /^(\d{1,5})d$/.exec(raw);
  if (days?.[1] !== undefined) return new Date(now + Number(days[1]) * 86_400_000);
  const at = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(raw) ? new Date(raw) : null;
  if (!at || Number.isNaN(at.getTime()))
    throw new ValidationError('--expires', `"${raw}" is neither a number of days (30d) nor a time (2027-01-31)`);
  return at;
}
