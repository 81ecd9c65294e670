// Web APIs only (crypto, TextEncoder): the same code runs in the platform's sandbox and in Node.
const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** A conversation's secret, given to the visitor once: 32 random bytes as 64 hex digits. */
export function newToken() {
  return hex(crypto.getRandomValues(new Uint8Array(32)));
}

/** Only the hash is stored, so reading the table gives no one the right to post. */
export async function hashToken(token) {
  return hex(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))));
}

/** Compares every character whatever the first difference, so the time taken tells nothing of the stored hash. */
export async function tokenMatches(token, storedHash) {
  const given = await hashToken(token);
  if (typeof storedHash !== 'string' || given.length !== storedHash.length) return false;
  let difference = 0;
  for (let i = 0; i < given.length; i++) difference |= given.charCodeAt(i) ^ storedHash.charCodeAt(i);
  return difference === 0;
}
