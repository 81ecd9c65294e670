import type { Request, RequestHandler, Response, Router } from 'express';
import type { Database } from '../db/index.js';
import type { Entities } from '../entities/index.js';
import type { LoginLimiter } from './login-limiter.js';
import { loginPage } from './page.js';
import { saved } from './saved.js';
import { SignInScreen } from './sign-in-screen.js';
import { signOut, signOutPage } from './sign-out.js';
import { codeStep } from './two-factor.js';

/** Signing in (password, then the code where two-factor is on) and out: what a visitor reaches before any session. */
export function signInRoutes(
  router: Router,
  db: Database,
  entities: Entities,
  limiter: LoginLimiter,
  form: RequestHandler,
): void {
  const signInScreen = new SignInScreen(db);
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
}

/** A new session id at sign-in, so an id planted before it is worth nothing after. */
function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((err) => (err ? reject(err as Error) : resolve())));
}
