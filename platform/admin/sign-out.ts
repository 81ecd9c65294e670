import type { Request, Response } from 'express';
import { plainPage } from './plain-page.js';

/**
 * Signing out is a POST, which the same-origin check guards: a link or an image on another site
 * must not sign anyone out. AdminJS's top bar still goes to the sign-out path with a GET, so a GET
 * answers this page, whose one button makes the POST; it signs no one out by itself.
 */
export function signOutPage(req: Request, res: Response): void {
  if (!req.session.adminUser) return res.redirect(303, '/admin/login');
  res
    .type('html')
    .set('Cache-Control', 'no-store')
    .send(
      plainPage(
        'Sign out?',
        `<form method="post" action="/admin/logout"><button type="submit" autofocus>Sign out</button><a href="/admin">Back to the admin</a></form>`,
      ),
    );
}

/** Ends the session, in the database too, and goes to the sign-in page. */
export function signOut(req: Request, res: Response): void {
  req.session.destroy(() => res.redirect(303, '/admin/login'));
}
