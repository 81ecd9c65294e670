import type { Database } from '../db/index.js';
import { RouteError } from './errors.js';
import { SIGNATURE_TOLERANCE_MS, type CheckedSignature } from './signature-check.js';

/**
 * How long a signature is kept past its timestamp: twice the tolerance, so that a web process
 * whose clock is off from the database's by up to the tolerance still finds every signature it
 * would accept.
 */
const KEPT_SECONDS = (2 * SIGNATURE_TOLERANCE_MS) / 1000;

/**
 * Takes a checked signed request once: records its signature in the current unit (as the
 * application), refusing one already recorded. Run in the handler's transaction, the record
 * commits with the handler's work or not at all, so a request whose handler failed or refused
 * may be sent again. A concurrent second use waits for the first one's transaction and is
 * refused once that commits. The same statement drops expired signatures, skipping those another
 * transaction is dropping rather than waiting for it.
 */
export async function takeSignedRequest(db: Database, { signature, timestamp }: CheckedSignature): Promise<void> {
  const taken = await db.rows<{ signature: string }>(
    `WITH expired AS (
       DELETE FROM route_signatures WHERE signature IN (
         SELECT signature FROM route_signatures
          WHERE signed_at < now() - $3 * interval '1 second' AND signature <> $1
          FOR UPDATE SKIP LOCKED))
     INSERT INTO route_signatures (signature, signed_at) VALUES ($1, to_timestamp($2))
     ON CONFLICT (signature) DO NOTHING
     RETURNING signature`,
    [signature.slice('sha256='.length), Number(timestamp), KEPT_SECONDS],
  );
  if (taken.length === 0) {
    throw new RouteError(
      401,
      'bad_signature',
      'this signed request was already used: X-Plinth-Signature is taken once; sign a resend with a new X-Plinth-Timestamp',
      'X-Plinth-Signature',
    );
  }
}
