import type { NextFunction, Request, Response } from 'express';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF defence for every state-changing request: besides SameSite=Lax cookies, the request's
 * Origin (or, lacking one, its Referer) must be this server's own origin. AdminJS's XHR calls
 * carry no token, but browsers always send Origin on cross-site POSTs.
 */
export function sameOrigin(req: Request, res: Response, next: NextFunction): void {
  if (SAFE.has(req.method)) return next();
  const own = `${req.protocol}://${req.get('host')}`;
  const origin = req.get('origin');
  const referer = req.get('referer');
  const source = origin ?? (referer ? safeOrigin(referer) : undefined);
  if (source === own) return next();
  res
    .status(403)
    .type('text')
    .send(
      source
        ? `Refused: this request comes from ${source}, not from ${own}.`
        : 'Refused: a state-changing request must carry an Origin or Referer header of this site.',
    );
}

function safeOrigin(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}
