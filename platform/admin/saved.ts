import type { Request } from 'express';

/**
 * Stored before the redirect goes out: express-session would send the headers first and store
 * the session while the browser already follows the redirect, which can then arrive first.
 */
export function saved(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.save((err) => (err ? reject(err as Error) : resolve())));
}
