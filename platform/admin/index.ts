import { componentsBundle } from './environment.js';
import AdminJS, { ForbiddenError, NotFoundError, Router as AdminRouter } from 'adminjs';
import compression from 'compression';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import session from 'express-session';
import helmet from 'helmet';
import { keptSecret, type PlinthConfig } from '../config/index.js';
import { StaleRequestError } from '../errors/index.js';
import type { Database } from '../db/index.js';
import type { Entities } from '../entities/index.js';
import type { ModuleRuntime } from '../gateway/index.js';
import { log } from '../log/index.js';
import type { Marketplace } from '../registry/index.js';
import { assumedSessions } from './assumed-session.js';
import { fontRoutes, withLocalFonts } from './fonts.js';
import { DEFAULT_LIMITS, LoginLimiter, type LimiterOptions } from './login-limiter.js';
import { sameOrigin } from './same-origin.js';
import { AdminScreens, type AdminUser, type Built } from './screens.js';
import { studioApi } from './studio/index.js';
import { DatabaseSessionStore } from './session-store.js';
import { saved } from './saved.js';
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
  limits?: LimiterOptions;
}

const SESSION_TTL_MS = 12 * 3_600_000;

/** AdminJS's pages run inline scripts and styles; everything else comes from this server. */
const CONTENT_SECURITY = helmet({
  // helmet's default (no-referrer) makes Chromium send `Origin: null` on form posts, which the same-origin check refuses.
  referrerPolicy: { policy: 'same-origin' },
  contentSecurityPolicy: {
    useDefaults: true,
    directives: {
      'script-src': ["'self'", "'unsafe-inline'"],
      'style-src': ["'self'", "'unsafe-inline'"],
      'img-src': ["'self'", 'data:'],
      'font-src': ["'self'", 'data:'],
      'connect-src': ["'self'"],
    },
  },
});

/**
 * The admin under /admin: sign-in with database sessions and rate limits, a same-origin check
 * on every state-changing request, and each workspace's generated AdminJS.
 */
export function createAdmin(deps: AdminDeps): Router {
  const { db, entities, config } = deps;
  const screens = new AdminScreens(db, entities, deps.marketplace, deps.runtime);
  const limiter = new LoginLimiter(db, deps.limits ?? DEFAULT_LIMITS);
  const loginPage = new AdminJS({ rootPath: '/admin', branding: { companyName: 'Plinth', withMadeWithLove: false } });
  const router = express.Router();

  // Below 4 kB a response costs more to compress (each gzip stream allocates its window) than it saves on the wire.
  router.use(CONTENT_SECURITY, compression({ threshold: '4kb' }));
  router.use(fontRoutes());
  const bundle = componentsBundle();
  // Revalidated on every load (its ETag answers 304), so a new build's screens show at once.
  router.get('/frontend/assets/components.bundle.js', (_req, res) => {
    res.type('js').set('Cache-Control', 'no-cache').send(bundle);
  });
  // AdminJS's own scripts and styles, for the sign-in page too: served before the sign-in check.
  for (const asset of AdminRouter.assets) {
    router.get(asset.path, (_req, res, next) => res.sendFile(asset.src, { maxAge: '1d' }, (err) => err && next(err)));
  }
  const sessions = new DatabaseSessionStore(db, SESSION_TTL_MS);
  router.use(assumedSessions(db, sessions));
  router.use(
    session({
      name: 'plinth.sid',
      secret: config.sessionSecret ?? keptSecret(config.dataDir, 'session-secret', 32).value,
      store: sessions,
      resave: false,
      saveUninitialized: false,
      rolling: true,
      cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: SESSION_TTL_MS, path: '/admin' },
    }),
  );
  router.use(sameOrigin);
  router.use(htmlWithLocalFonts);

  const form = express.urlencoded({ extended: false, limit: '8kb' });
  const renderLogin = async (res: Response, status: number, errorMessage?: string) =>
    res
      .status(status)
      .type('html')
      .send(await loginPage.renderLogin({ action: '/admin/login', errorMessage }));

  router.get('/login', (_req, res, next) => renderLogin(res, 200).catch(next));
  router.post('/login', form, async (req, res, next) => {
    try {
      const email = String(req.body?.email ?? '');
      const password = String(req.body?.password ?? '');
      const address = req.ip ?? 'unknown';
      if (!email || !password) return await renderLogin(res, 400, 'Give an email address and a password.');
      const refused = await limiter.refusal(email, address);
      if (refused) return await renderLogin(res, 429, refused);
      const user = await entities.users.verifyPassword(email, password);
      const memberships = user ? await entities.users.memberships(user.id) : [];
      if (!user || memberships.length === 0) {
        await limiter.failed(email, address);
        return await renderLogin(res, 401, user ? 'This account belongs to no workspace.' : 'Wrong email or password.');
      }
      await limiter.succeeded(email, address);
      const first = memberships[0];
      await regenerate(req);
      req.session.adminUser = {
        id: user.id,
        email: user.email,
        workspaceId: first.workspaceId,
        workspaceSlug: first.slug,
        role: first.role,
      };
      await saved(req);
      res.redirect(303, memberships.length > 1 ? '/admin/workspaces' : '/admin');
    } catch (err) {
      next(err);
    }
  });
  const logout = (req: Request, res: Response) => req.session.destroy(() => res.redirect(303, '/admin/login'));
  router.get('/logout', logout);
  router.post('/logout', logout);

  router.use(requireSignIn);
  router.use('/workspaces', form, workspaceChooser(entities));
  router.use(async (req, res, next) => {
    try {
      const user = req.session.adminUser!;
      const { role, version } = await screens.check(
        user,
        sessions.checkFor(req.sessionID, user.id, user.workspaceId) ?? undefined,
      );
      if (!role) {
        req.session.destroy(() => res.redirect(303, '/admin/login'));
        return;
      }
      if (role !== user.role) req.session.adminUser = { ...user, role };
      res.locals.screens = await screens.for(req.session.adminUser!, version);
      next();
    } catch (err) {
      next(err);
    }
  });
  router.use('/studio/api', studioApi({ db, entities, marketplace: deps.marketplace }));
  router.use((req, res, next) => (res.locals.screens as Built).router(req, res, next));
  router.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof StaleRequestError) {
      res.status(409).json({ error: err.message }); // replaced by a redirect to ask again: see assumed-session.ts
      return;
    }
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
    log.error({ err }, 'admin request failed');
    res.status(500).type('text').send('The admin could not answer this request; the error is in the server log.');
  });
  return router;
}

/** A new session id at sign-in, so an id planted before it is worth nothing after. */
function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
}

function requireSignIn(req: Request, res: Response, next: NextFunction): void {
  if (req.session.adminUser) return next();
  if (req.path.startsWith('/api/') || req.path.startsWith('/studio/api/') || req.method !== 'GET') {
    res.status(401).json({ error: 'sign in first: /admin/login' });
    return;
  }
  res.redirect(303, '/admin/login');
}

/** Every HTML page the admin sends links the local font instead of Google's (JSON is not searched). */
function htmlWithLocalFonts(_req: Request, res: Response, next: NextFunction): void {
  const send = res.send.bind(res);
  res.send = (body?: unknown) => {
    const html = typeof body === 'string' && !/json/.test(String(res.getHeader('content-type') ?? ''));
    return send(html && body.includes('fonts.googleapis.com') ? withLocalFonts(body) : body);
  };
  next();
}
