import { buildRoute } from '@adminjs/express';
import AdminJS, { Router as AdminRouter } from 'adminjs';
import express, { type Router } from 'express';
import { adminInput, answerBadInput } from './admin-input.js';
import { adminPage } from './page.js';

/**
 * A workspace's AdminJS routes, as `@adminjs/express`'s `buildRouter` makes them but without what
 * it puts in front of every request: its static assets and the components bundle (the admin serves
 * those once for every workspace, before sign-in) and a form parser that would run for every
 * method. Forms are parsed for POST only; a GET or HEAD has no body. Pages are rendered by
 * `page.ts`, never by AdminJS's template, which does not escape what admins write.
 */
export function adminRoutes(admin: AdminJS, editor: boolean): Router {
  const router = express.Router();
  router.use(adminInput({ editor }));
  for (const route of AdminRouter.routes) {
    if (route.action === 'bundleComponents') continue;
    if (route.method === 'GET' && !route.path.startsWith('/api/')) {
      router.get(expressPath(route.path), (req, res, next) => {
        adminPage(admin, req.session.adminUser, res.locals.nonce as string)
          .then((html) => res.type('html').send(html))
          .catch(next);
      });
    } else buildRoute({ route, router, admin });
  }
  router.use(answerBadInput);
  return router;
}

/** AdminJS's `{param}` as Express's `:param`. */
const expressPath = (path: string): string => path.replace(/{(\w+)}/g, ':$1');
