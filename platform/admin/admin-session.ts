import session from 'express-session';
import type { RequestHandler } from 'express';
import { keptSecret, type PlinthConfig } from '../config/index.js';
import type { DatabaseSessionStore } from './session-store.js';

export const SESSION_TTL_MS = 12 * 3_600_000;

/** The admin's session cookie, its sessions kept in the database. */
export function sessionCookie(config: PlinthConfig, sessions: DatabaseSessionStore): RequestHandler {
  return session({
    name: 'plinth.sid',
    secret: config.sessionSecret ?? keptSecret(config.dataDir, 'session-secret', 32).value,
    store: sessions,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: SESSION_TTL_MS, path: '/admin' },
  });
}
