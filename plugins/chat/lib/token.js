import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A conversation's secret, given to the visitor once: 32 random bytes as 64 hex digits. */
export function newToken() {
  return randomBytes(32).toString('hex');
}

/** Only the hash is stored, so reading the table gives no one the right to post. */
export function hashToken(token) {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function tokenMatches(token, storedHash) {
  const given = Buffer.from(hashToken(token), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}
