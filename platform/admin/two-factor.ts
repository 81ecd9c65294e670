import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import QRCode from 'qrcode';
import type { Entities } from '../entities/index.js';
import { PlinthError } from '../errors/index.js';
import type { LoginLimiter } from './login-limiter.js';
import { escapeHtml } from './markup.js';
import { plainPage, postButton } from './plain-page.js';
import { saved } from './saved.js';
import type { AdminUser } from './screens.js';

declare module 'express-session' {
  interface SessionData {
    /** A user whose password was right, who still owes a code. */
    pendingSignIn?: { userId: string; email: string; since: number };
    /** A secret offered at setup, until the user's first code confirms it. */
    proposedSecret?: string;
  }
}

/** How long the code may take after the password. */
const CODE_WINDOW_MS = 5 * 60_000;

const codeForm = (error?: string) =>
  plainPage(
    'Two-factor sign-in',
    `${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/admin/login/code">
<label for="code">The code your authenticator app shows, or one of your recovery codes</label><br>
<input id="code" name="code" autocomplete="one-time-code" inputmode="text" required autofocus>
<button type="submit">Sign in</button></form>`,
  );

/**
 * The code step of signing in, for users who turned two-factor sign-in on: served before the
 * sign-in check (the session holds only who owes a code). Each code tried counts against the
 * sign-in limits like a password.
 */
export function codeStep(
  entities: Entities,
  limiter: LoginLimiter,
  signIn: (req: Request, res: Response, who: { userId: string; email: string }) => Promise<void>,
): Router {
  const router = express.Router();
  const pending = (req: Request) => {
    const p = req.session.pendingSignIn;
    return p && Date.now() - p.since < CODE_WINDOW_MS ? p : null;
  };
  router.get('/', (req, res) => {
    if (!pending(req)) return res.redirect(303, '/admin/login');
    res.type('html').set('Cache-Control', 'no-store').send(codeForm());
  });
  router.post('/', async (req, res, next) => {
    try {
      const who = pending(req);
      if (!who) return res.redirect(303, '/admin/login');
      const address = req.ip ?? 'unknown';
      const refused = await limiter.attempt(who.email, address);
      if (refused) return void res.status(429).type('html').send(codeForm(refused));
      if (!(await entities.twoFactor.check(who.userId, String((req.body as { code?: unknown } | undefined)?.code ?? ''))))
        return void res.status(401).type('html').send(codeForm('That code is wrong, or was used already.'));
      await limiter.succeeded(who.email, address);
      delete req.session.pendingSignIn;
      await signIn(req, res, who);
    } catch (err) {
      next(err);
    }
  });
  return router;
}

/**
 * Where a signed-in user turns two-factor sign-in on (a secret as a QR code, confirmed by a first
 * code; recovery codes shown once), and where an owner requires it for their workspace and its
 * clients.
 */
export function securityPages(entities: Entities): Router {
  const router = express.Router();

  router.get('/', async (req, res, next) => {
    try {
      const user = req.session.adminUser!;
      res
        .type('html')
        .set('Cache-Control', 'no-store')
        .send(await securityPage(entities, req, user));
    } catch (err) {
      next(err);
    }
  });

  router.post('/two-factor', async (req, res, next) => {
    try {
      const user = req.session.adminUser!;
      const secret = req.session.proposedSecret;
      if (!secret) return res.redirect(303, '/admin/security');
      let codes: string[];
      try {
        codes = await entities.twoFactor.enable(
          user.id,
          secret,
          String((req.body as { code?: unknown } | undefined)?.code ?? ''),
        );
      } catch (err) {
        if (!(err instanceof PlinthError)) throw err;
        return void res
          .status(400)
          .type('html')
          .send(await securityPage(entities, req, user, err.message));
      }
      delete req.session.proposedSecret;
      req.session.adminUser = { ...user, twoFactor: true };
      await saved(req);
      res
        .type('html')
        .set('Cache-Control', 'no-store')
        .send(
          plainPage(
            'Two-factor sign-in is on',
            `<p>Keep these recovery codes somewhere safe. Each signs you in once if you lose your phone.
They are shown only now.</p><ul>${codes.map((c) => `<li><code>${escapeHtml(c)}</code></li>`).join('')}</ul>
<p><a href="/admin">Go to the admin</a></p>`,
          ),
        );
    } catch (err) {
      next(err);
    }
  });

  router.post('/require', async (req, res, next) => {
    try {
      const user = req.session.adminUser!;
      if (user.role !== 'owner')
        return void res.status(403).type('text').send('Only an owner of this workspace may change what it requires.');
      const required = (req.body as { required?: unknown } | undefined)?.required === 'on';
      if (required && !(await entities.twoFactor.enabled(user.id)))
        return void res
          .status(400)
          .type('html')
          .send(await securityPage(entities, req, user, 'Turn two-factor sign-in on for yourself first.'));
      await entities.twoFactor.require(user.workspaceId, required);
      res.redirect(303, '/admin/security');
    } catch (err) {
      next(err);
    }
  });
  return router;
}

async function securityPage(entities: Entities, req: Request, user: AdminUser, error?: string): Promise<string> {
  const on = await entities.twoFactor.enabled(user.id);
  const required = await entities.twoFactor.requiredIn(user.workspaceId);
  let setup = '';
  if (!on) {
    const proposal = entities.twoFactor.proposal(user.email);
    req.session.proposedSecret = proposal.secret;
    await saved(req);
    const qr = await QRCode.toDataURL(proposal.uri, { margin: 1, width: 200 });
    setup = `<p>Scan this code with an authenticator app (or type the key <code>${escapeHtml(proposal.secret)}</code>),
then enter the code it shows.</p><img src="${escapeHtml(qr)}" alt="QR code of your two-factor key" width="200" height="200">
<form method="post" action="/admin/security/two-factor"><label for="code">Code</label>
<input id="code" name="code" autocomplete="one-time-code" required><button type="submit">Turn on</button></form>`;
  }
  const requirement =
    user.role === 'owner'
      ? postButton(
          '/admin/security/require',
          required ? 'Stop requiring it in this workspace' : 'Require it of everyone in this workspace and its clients',
          { required: required ? 'off' : 'on' },
        )
      : '';
  return plainPage(
    'Security',
    `${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<p>Two-factor sign-in for ${escapeHtml(user.email)}: <strong>${on ? 'on' : 'off'}</strong>.
${required ? `${escapeHtml(user.workspaceSlug)} requires it.` : ''}</p>${setup}${requirement}
<p><a href="/admin">Back to the admin</a></p>`,
  );
}

/** A workspace that requires two-factor sign-in sends a user without it to set it up (the API answers 403). */
export function requireTwoFactor(required: boolean, req: Request, res: Response, next: NextFunction): void {
  if (!required || req.session.adminUser?.twoFactor) return next();
  if (req.method === 'GET' && !req.path.startsWith('/api/') && !req.path.startsWith('/studio/api/'))
    return res.redirect(303, '/admin/security');
  res.status(403).json({ error: 'this workspace requires two-factor sign-in: turn it on at /admin/security' });
}
