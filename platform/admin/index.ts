import { componentsBundle } from './environment.js';
import { randomBytes } from 'node:crypto';
import { ForbiddenError, NotFoundError, Router as AdminRouter } from 'adminjs';
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
import { fontRoutes } from './fonts.js';
import { loginPage } from './page.js';
import { DEFAULT_LIMITS, LoginLimiter, type LimiterOptions } from './login-limiter.js';
import { sameOrigin } from './same-origin.js';
import { AdminScreens, type AdminUser, type Built } from './screens.js';
import { studioApi } from './studio/index.js';
import { DatabaseSessionStore } from './session-store.js';
import { saved } from './saved.js';
import { SignInScreen } from './sign-in-screen.js';
import { signOut, signOutPage } from './sign-out.js';
import { codeStep, requireTwoFactor, securityPages } from './two-factor.js';
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

/**
 * Scripts from this server, and the inline ones the page templates write with this response's
 * nonce: a script an admin managed to store in a page runs nowhere. Styles stay inline (AdminJS's
 * components style themselves at run time).
 */
const CONTENT_SECURITY = helmet({
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

/**
 * The admin under /admin: sign-in with database sessions and rate limits, a same-origin check
 * on every state-changing request, and each workspace's generated AdminJS.
 */
export function createAdmin(deps: AdminDeps): Router {
  const { db, entities, config } = deps;
  const screens = new AdminScreens(db, entities, deps.marketplace, deps.runtime);
  const limiter = new LoginLimiter(db, deps.limits ?? DEFAULT_LIMITS);
  const signInScreen = new SignInScreen(db);
  const router = express.Router();

  // Below 4 kB a response costs more to compress (each gzip stream allocates its window) than it saves on the wire.
  router.use(withNonce, CONTENT_SECURITY, compression({ threshold: '4kb' }));
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

  const form = express.urlencoded({ extended: false, limit: '8kb' });
  const renderLogin = async (res: Response, status: number, errorMessage?: string) =>
    res
      .status(status)
      .type('html')
      .send(await loginPage(await signInScreen.admin(), { action: '/admin/login', errorMessage }, res.locals.nonce as string));

  router.get('/login', (_req, res, next) => renderLogin(res, 200).catch(next));
  router.post('/login', form, async (req, res, next) => {
    try {
      const body = req.body as { email?: unknown; password?: unknown } | undefined;
      const email = String(body?.email ?? '');
      const password = String(body?.password ?? '');
      const address = req.ip ?? 'unknown';
      if (!email || !password) return await renderLogin(res, 400, 'Give an email address and a password.');
      const refused = await limiter.attempt(email, address);
      if (refused) return await renderLogin(res, 429, refused);
      const user = await entities.users.verifyPassword(email, password);
      if (!user) return await renderLogin(res, 401, 'Wrong email or password.');
      if (await entities.twoFactor.enabled(user.id)) {
        // The password was right; the attempt stays counted until the code is too.
        await regenerate(req);
        req.session.pendingSignIn = { userId: user.id, email: user.email, since: Date.now() };
        await saved(req);
        return res.redirect(303, '/admin/login/code');
      }
      await limiter.succeeded(email, address);
      await startSession(req, res, user, false);
    } catch (err) {
      next(err);
    }
  });
  /** A new session for the user, in their first workspace; those with several choose next. */
  const startSession = async (req: Request, res: Response, user: { id: string; email: string }, twoFactor: boolean) => {
    const memberships = await entities.users.memberships(user.id);
    const first = memberships[0];
    if (!first) return void (await renderLogin(res, 401, 'This account belongs to no workspace.'));
    await regenerate(req);
    req.session.adminUser = {
      id: user.id,
      email: user.email,
      workspaceId: first.workspaceId,
      workspaceSlug: first.slug,
      workspaceName: first.name,
      role: first.role,
      twoFactor,
    };
    await saved(req);
    res.redirect(303, memberships.length > 1 ? '/admin/workspaces' : '/admin');
  };
  router.use(
    '/login/code',
    form,
    codeStep(entities, limiter, (req, res, who) => startSession(req, res, { id: who.userId, email: who.email }, true)),
  );
  router.get('/logout', signOutPage);
  router.post('/logout', signOut);

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
  });
  // Reachable without two-factor sign-in, where it is required: it is where one turns it on.
  router.use('/security', form, securityPages(entities));
  router.use((req, res, next) => requireTwoFactor((res.locals.screens as Built).twoFactorRequired, req, res, next));
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
  return new Promise((resolve, reject) => req.session.regenerate((err) => (err ? reject(err as Error) : resolve())));
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

/** A fresh nonce for each response's inline scripts. */
function withNonce(_req: Request, res: Response, next: NextFunction): void {
  res.locals.nonce = randomBytes(16).toString('base64');
  next();
}
