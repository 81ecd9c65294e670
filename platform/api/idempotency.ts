import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Database } from '../db/index.js';
import { ValidationError } from '../errors/index.js';
import { RouteError } from '../routes/index.js';

/** A write's answer, as sent and as kept for a repeat. */
export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Writes the body itself, after the request's unit has ended (a download, batch by batch). */
  stream?: (res: Response) => Promise<void>;
}

const HEADER = 'Idempotency-Key';
const KEY = /^[\x21-\x7e]{1,200}$/;

/** The request's Idempotency-Key, or undefined without one; refused, naming the header, when it is not 1 to 200 visible ASCII characters. */
export function idempotencyKey(req: Request): string | undefined {
  const key = req.get(HEADER);
  if (key === undefined) return undefined;
  if (!KEY.test(key)) throw new ValidationError(HEADER, 'must be 1 to 200 visible ASCII characters');
  return key;
}

/** What makes two requests the same: method, path and body. */
function fingerprint(req: Request): string {
  return createHash('sha256')
    .update(JSON.stringify([req.method, req.baseUrl + req.path, req.body ?? null]))
    .digest('hex');
}

/**
 * Runs a write once per token and key. The key's row is inserted before the write, in its unit:
 * a concurrent request with the same key waits on the primary key, and once the first commits it
 * finds the row and replays the first answer; if the first rolled back (it was refused), nothing
 * was kept and the repeat is written afresh. A key older than 24 hours is forgotten.
 */
export async function once(
  db: Database,
  caller: { tokenId: string; workspaceId: string },
  key: string,
  req: Request,
  write: () => Promise<Reply>,
): Promise<Reply> {
  const hash = fingerprint(req);
  await db.exec(`DELETE FROM api_idempotency_keys WHERE token_id = $1 AND created_at < now() - interval '24 hours'`, [
    caller.tokenId,
  ]);
  const claimed = await db.rows(
    `INSERT INTO api_idempotency_keys (token_id, key, workspace_id, request_hash) VALUES ($1, $2, $3, $4)
     ON CONFLICT (token_id, key) DO NOTHING RETURNING key`,
    [caller.tokenId, key, caller.workspaceId, hash],
  );
  if (claimed.length === 0) {
    const [kept] = await db.rows<{
      requestHash: string;
      status: number | null;
      headers: Record<string, string>;
      body: string | null;
    }>(`SELECT request_hash AS "requestHash", status, headers, body FROM api_idempotency_keys WHERE token_id = $1 AND key = $2`, [
      caller.tokenId,
      key,
    ]);
    if (kept && kept.requestHash !== hash)
      throw new RouteError(422, 'idempotency_key_reused', `${HEADER} "${key}" was sent before with another request`, HEADER);
    if (kept?.status) return { status: kept.status, body: JSON.parse(kept.body ?? 'null') as unknown, headers: kept.headers };
    // Claimed and not yet answered, in a unit that has not committed: only seen when the database does not queue the repeat.
    throw new RouteError(409, 'in_progress', `a request with ${HEADER} "${key}" is in progress; try again shortly`, HEADER);
  }
  const reply = await write();
  await db.exec(`UPDATE api_idempotency_keys SET status = $3, headers = $4, body = $5 WHERE token_id = $1 AND key = $2`, [
    caller.tokenId,
    key,
    reply.status,
    JSON.stringify(reply.headers ?? {}),
    JSON.stringify(reply.body),
  ]);
  return reply;
}
