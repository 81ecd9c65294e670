import { parsePhoneNumberWithError, type CountryCode } from 'libphonenumber-js';
import { ValidationError } from '../errors/index.js';

const EMAIL = /^[^\s@"(),:;<>[\]\\]{1,64}@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

/** Lower-cases and trims an email; refuses what cannot be an address. `path` names the input. */
export function normalizeEmail(raw: unknown, path: string): string {
  if (typeof raw !== 'string') throw new ValidationError(path, 'an email must be a string');
  const email = raw.trim().toLowerCase();
  if (email.length > 254 || !EMAIL.test(email)) {
    throw new ValidationError(path, `"${raw}" is not an email address`);
  }
  return email;
}

/** Brings a phone number to E.164 (`+14155552671`); a number without a country code needs `defaultCountry`. */
export function normalizePhone(raw: unknown, path: string, defaultCountry?: string): string {
  if (typeof raw !== 'string') throw new ValidationError(path, 'a phone number must be a string');
  try {
    const phone = parsePhoneNumberWithError(raw, defaultCountry as CountryCode | undefined);
    if (phone.isValid()) return phone.number;
  } catch {
    // reported below with the input, which says more than the parser's code
  }
  const hint = raw.trim().startsWith('+') || defaultCountry ? '' : ' (give it in international form, +<country code>…)';
  throw new ValidationError(path, `"${raw}" is not a valid phone number${hint}`);
}

export const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function checkSlug(raw: unknown, path: string): string {
  if (typeof raw !== 'string' || !SLUG.test(raw)) {
    throw new ValidationError(
      path,
      `"${String(raw)}" is not a slug (lower-case letters, digits and -, at most 63, starting with a letter or digit)`,
    );
  }
  return raw;
}

export function checkText(raw: unknown, path: string, max: number, required = true): string | undefined {
  if (raw === undefined || raw === null) {
    if (required) throw new ValidationError(path, 'is required');
    return undefined;
  }
  if (typeof raw !== 'string') throw new ValidationError(path, 'must be a string');
  const text = raw.trim();
  if (required && text.length === 0) throw new ValidationError(path, 'must not be empty');
  if (text.length > max) throw new ValidationError(path, `must be at most ${max} characters`);
  return text;
}

/** A UUID in its text form, either case. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function checkUuid(raw: unknown, path: string): string {
  if (typeof raw !== 'string' || !UUID.test(raw)) throw new ValidationError(path, `"${String(raw)}" is not a UUID`);
  return raw.toLowerCase();
}
