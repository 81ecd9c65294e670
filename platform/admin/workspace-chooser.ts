import express, { type Router } from 'express';
import type { Entities } from '../entities/index.js';
import { saved } from './saved.js';

const escape = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** For users with several memberships: which workspace the admin shows, switchable at any time. */
export function workspaceChooser(entities: Entities): Router {
  const router = express.Router();
  router.get('/', async (req, res, next) => {
    try {
      const user = req.session.adminUser!;
      const memberships = await entities.users.memberships(user.id);
      const items = memberships
        .map(
          (m) => `<li><form method="post" action="/admin/workspaces">
            <input type="hidden" name="workspace" value="${escape(m.slug)}">
            <button type="submit"${m.workspaceId === user.workspaceId ? ' aria-current="true"' : ''}>${escape(m.name)}</button>
            <span>${escape(m.slug)} · ${m.role}</span></form></li>`,
        )
        .join('\n');
      res.type('html').send(`<!doctype html><html lang="en"><meta charset="utf-8"><title>Choose a workspace</title>
<link rel="stylesheet" href="/admin/fonts/roboto.css">
<style>body{font-family:Roboto,sans-serif;max-width:36rem;margin:4rem auto}li{list-style:none;margin:.5rem 0}
button{font:inherit;padding:.4rem .8rem;margin-right:.6rem}button[aria-current]{font-weight:700}</style>
<h1>Choose a workspace</h1><p>Signed in as ${escape(user.email)}. <a href="/admin/logout">Sign out</a></p>
<ul>${items}</ul></html>`);
    } catch (err) {
      next(err);
    }
  });
  router.post('/', async (req, res, next) => {
    try {
      const user = req.session.adminUser!;
      const slug = String(req.body?.workspace ?? '');
      const membership = (await entities.users.memberships(user.id)).find((m) => m.slug === slug);
      if (!membership) {
        res.status(403).type('text').send(`You are not a member of workspace "${slug}".`);
        return;
      }
      req.session.adminUser = { ...user, workspaceId: membership.workspaceId, workspaceSlug: slug, role: membership.role };
      await saved(req);
      res.redirect(303, '/admin');
    } catch (err) {
      next(err);
    }
  });
  return router;
}
