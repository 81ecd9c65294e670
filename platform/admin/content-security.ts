import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';

/**
 * Scripts from this server, and the inline ones the page templates write with this response's
 * nonce: a script an admin managed to store in a page runs nowhere. Styles stay inline (AdminJS's
 * components style themselves at run time).
 */
export const CONTENT_SECURITY = helmet({
  // helmet's default (no-referrer) makes Chromium send `Origin: null` on form posts, which the same-origin check refuses.
  referrerPolicy: { policy: 'same-origin' },
  contentSecurityPolicy: {
    useDefaults: true,
    directives: {
      'script-src': ["'self'", (_req, res) => `'nonce-${(res as Response).locals.nonce as string}'`],
      'style-src': ["'self'", "'unsafe-inline'"],
      'img-src': ["'self'", 'data:'],
      'font-src': ["'self'", 'data:'],
      'connect-src': ["'self'"],
    },
  },
});

/** A fresh nonce for each response's inline scripts. */
export function withNonce(_req: Request, res: Response, next: NextFunction): void {
  res.locals.nonce = randomBytes(16).toString('base64');
  next();
}
