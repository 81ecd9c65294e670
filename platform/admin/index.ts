import './environment.js';
import { ForbiddenError, NotFoundError } from 'adminjs';
import compression from 'compression';
import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import type { PlinthConfig } from '../config/index.js';
import { answerErrors } from '../http/error-status.js';
import type { Database } from '../db/index.js';
import type { Entities } from '../entities/index.js';
import type { ModuleRuntime } from '../gateway/index.js';
import type { Marketplace } from '../registry/index.js';
import type { Webhooks } from '../webhooks/index.js';
import { apiPages, type Document } from './api-pages/index.js';
import { SESSION_TTL_MS, sessionCookie } from './admin-session.js';
import { assumedSessions } from './assumed-session.js';
import { CONTENT_SECURITY, withNonce } from './content-security.js';
import { DEFAULT_LIMITS, LoginLimiter, type LimiterOptions } from './login-limiter.js';
import { Imports } from '../import/index.js';
import { importScreens } from './import-screens.js';
import { sameOrigin } from './same-origin.js';
import { AdminScreens, type AdminUser, type Built } from './screens.js';
import { studioApi } from './studio/index.js';
import { DatabaseSessionStore } from './session-store.js';
import { signInRoutes } from './sign-in-routes.js';
import { serveAssets } from './static-assets.js';
import { requireTwoFactor, securityPages } from './two-factor.js';
import { workspaceChooser } from './workspace-chooser.js';

export { AdminScreens, type AdminUser } from './screens.js';
export { ScopedResource } from './scoped-resource.js';

declare module 'express-session' {
  interface SessionData {
    adminUser?: AdminUser;
  }
}

export interface AdminDeps {
  db: Database;
  entities: Entities;
  marketplace: Marketplace;
  runtime: ModuleRuntime;
  config: PlinthConfig;
  webhooks: Webhooks;
  /** A workspace's OpenAPI document by its slug, as its API serves it (the reference page). */
  apiDocument: (slug: string) => Promise<Document>;
  limits?: LimiterOptions;
}

/**
 * The admin under /admin: sign-in with database sessions and rate limits, a same-origin check
 * on every state-changing request, and each workspace's generated AdminJS.
 */
export function createAdmin(deps: AdminDeps): Router {
  const { db, entities, config } = deps;
  const screens = new AdminScreens(db, entities, deps.marketplace, deps.runtime);
  const limiter = new LoginLimiter(db, deps.limits ?? DEFAULT_LIMITS);
  const router = express.Router();

  // Below 4 kB a response costs more to compress (each gzip stream allocates its window) than it saves on the wire.
  router.use(withNonce, CONTENT_SECURITY, compression({ threshold: '4kb' }));
  serveAssets(router);
  const sessions = new DatabaseSessionStore(db, SESSION_TTL_MS);
  router.use(assumedSessions(db, sessions));
  router.use(sessionCookie(config, sessions));
  router.use(sameOrigin);

  const form = express.urlencoded({ extended: false, limit: '8kb' });
  signInRoutes(router, db, entities, limiter, form);

  router.use(requireSignIn);
  router.use('/workspaces', form, workspaceChooser(entities));
  router.use(currentScreens(screens, sessions));
  // Reachable without two-factor sign-in, where it is required: it is where one turns it on.
  router.use('/security', form, securityPages(entities));
  router.use((req, res, next) => requireTwoFactor((res.locals.screens as Built).twoFactorRequired, req, res, next));
  router.use('/imports', importScreens(new Imports({ ...deps, runtime: () => deps.runtime }), config.dataDir));
  router.use('/studio/api', studioApi({ db, entities, marketplace: deps.marketplace, webhooks: deps.webhooks }));
  router.use(apiPages({ entities, webhooks: deps.webhooks, documentOf: deps.apiDocument }));
  router.use((req, res, next) => (res.locals.screens as Built).router(req, res, next));
  // NotFoundError and ForbiddenError here are AdminJS's; the platform's errors are answered by the
  // one table (a StaleRequestError's 409 is replaced by a redirect to ask again: see assumed-session.ts).
  router.use((err: Error, req: Request, res: Response, next: NextFunction) => {
    if (err instanceof NotFoundError) {
      res.status(404).json({ error: err.message });
      return;
    }
    const unknown = /^There are no resources with given id: "([^"]*)"/.exec(err.message);
    if (unknown) {
      res.status(404).json({ error: `no resource "${unknown[1]}" in this workspace` });
      return;
    }
    if (err instanceof ForbiddenError) {
      res.status(403).json({ error: err.message });
      return;
    }
    answerErrors('admin request')(err, req, res, next);
  });
  return router;
}

function requireSignIn(req: Request, res: Response, next: NextFunction): void {
  if (req.session.adminUser) return next();
  askToSignIn(req, res);
}

/** A 401 for the API and any write; the sign-in page for a page. */
function askToSignIn(req: Request, res: Response): void {
  if (req.path.startsWith('/api/') || req.path.startsWith('/studio/api/') || req.method !== 'GET') {
    res.status(401).json({ error: 'sign in first: /admin/login' });
    return;
  }
  res.redirect(303, '/admin/login');
}

/** The screens of the session's workspace, for the user's role now: a session whose access ended ends with it. */
function currentScreens(screens: AdminScreens, sessions: DatabaseSessionStore): RequestHandler {
  return async (req, res, next) => {
    try {
      const user = req.session.adminUser!;
      const { role, version } = await screens.check(
        user,
        sessions.checkFor(req.sessionID, user.id, user.workspaceId) ?? undefined,
      );
      if (!role) {
        // Access ended (membership revoked, user disabled): this session ends with it.
        req.session.destroy(() => askToSignIn(req, res));
        return;
      }
      if (role !== user.role) req.session.adminUser = { ...user, role };
      res.locals.screens = await screens.for(req.session.adminUser!, version);
      next();
    } catch (err) {
      next(err);
    }
  };
}
