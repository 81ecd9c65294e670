import type { NextFunction, Request, Response } from 'express';
import { AssumptionCheck, assumptions, type Database } from '../db/index.js';
import { log } from '../log/index.js';
import type { DatabaseSessionStore } from './session-store.js';

/**
 * Read-only API requests (what list and record pages fetch) of a session this process has read
 * before take the session as read then, and check it with their first read instead of on a round
 * trip of its own: that the session still exists, unexpired, for the same user and workspace,
 * and that the configuration and memberships versions have not moved. Their answer waits for
 * that verdict. When it did not hold, the answer is a 307 to the same URL instead, and the
 * session is forgotten: the browser asks again, and that request reads everything afresh, as
 * every other request does.
 */
export function assumedSessions(db: Database, sessions: DatabaseSessionStore) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method !== 'GET' || !req.path.startsWith('/api/')) return next();
    const check = new AssumptionCheck();
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called only through end.apply(this, …)
    const end = res.end as (this: Response, ...args: unknown[]) => Response;
    res.end = function (this: Response, ...args: unknown[]) {
      if (!check.assuming) return end.apply(this, args);
      check
        .verdict((assumption) => db.holds(assumption))
        .then(
          (held) => {
            if (held) return end.apply(res, args);
            sessions.forget(req.sessionID);
            askAgain(req, res);
            end.call(res);
          },
          (err: unknown) => {
            log.error({ err }, 'admin request could not confirm its session');
            clearBody(res);
            res.statusCode = 503;
            end.call(res);
          },
        );
      return this;
    } as Response['end'];
    assumptions.run(check, next);
  };
}

/** Nothing of the answer built on what no longer holds goes out: a redirect to the same path instead. */
function askAgain(req: Request, res: Response): void {
  clearBody(res);
  const { pathname, search } = new URL(req.url, 'http://admin.invalid');
  res.statusCode = 307;
  res.setHeader('Location', `${req.baseUrl}${pathname}${search}`);
  res.setHeader('Cache-Control', 'no-store');
}

function clearBody(res: Response): void {
  for (const name of ['content-type', 'content-length', 'content-encoding', 'etag']) res.removeHeader(name);
}
