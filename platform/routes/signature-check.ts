import crypto from 'node:crypto';
import { RouteError } from './errors.js';

/** How far a signed request's timestamp may be from the server's clock. */
export const SIGNATURE_TOLERANCE_MS = 5 * 60_000;

/** The headers of a request whose signature checkSignature passed: `signature` is `sha256=` and 64 hex digits. */
export interface CheckedSignature {
  timestamp: string;
  signature: string;
}

const refuse = (message: string, path: string) => new RouteError(401, 'bad_signature', message, path);

/**
 * Checks `X-Plinth-Timestamp` (Unix seconds, within ±5 minutes) and `X-Plinth-Signature`
 * (`sha256=<hex HMAC of timestamp + "." + raw body>`), comparing in constant time, and returns
 * them. That a request passing here is taken only once is signature-replays.ts's part.
 */
export function checkSignature(
  secret: string,
  headers: { timestamp?: string; signature?: string },
  body: Buffer,
  now = Date.now(),
): CheckedSignature {
  const { timestamp, signature } = headers;
  if (!timestamp) throw refuse('the X-Plinth-Timestamp header is missing', 'X-Plinth-Timestamp');
  if (!/^[0-9]{1,12}$/.test(timestamp)) throw refuse('X-Plinth-Timestamp must be the time in Unix seconds', 'X-Plinth-Timestamp');
  if (Math.abs(now - Number(timestamp) * 1000) > SIGNATURE_TOLERANCE_MS)
    throw refuse(
      `X-Plinth-Timestamp is more than ${SIGNATURE_TOLERANCE_MS / 60_000} minutes away from the server's clock`,
      'X-Plinth-Timestamp',
    );
  if (!signature) throw refuse('the X-Plinth-Signature header is missing', 'X-Plinth-Signature');
  if (!/^sha256=[0-9a-f]{64}$/.test(signature))
    throw refuse('X-Plinth-Signature must be "sha256=" and 64 hex digits', 'X-Plinth-Signature');
  if (!crypto.timingSafeEqual(Buffer.from(signature), Buffer.from(sign(secret, timestamp, body))))
    throw refuse('X-Plinth-Signature does not match the timestamp and body', 'X-Plinth-Signature');
  return { timestamp, signature };
}

/** What a sender puts in X-Plinth-Signature: `sha256=` and the hex HMAC-SHA256 of `timestamp + "." + raw body`. */
export function sign(secret: string, timestamp: string, body: Buffer | string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}
