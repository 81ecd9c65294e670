import express, { type Router } from 'express';
import type { Entities } from '../entities/index.js';
import { escapeHtml as escape } from './markup.js';
import { plainPage, postButton } from './plain-page.js';
import { saved } from './saved.js';

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
      res.type('html').send(
        plainPage(
          'Choose a workspace',
          `<p>Signed in as ${escape(user.email)}. <a href="/admin/security">Security</a></p>
<ul>${items}</ul>${postButton('/admin/logout', 'Sign out')}`,
        ),
      );
    } catch (err) {
      next(err);
    }
  });
  router.post('/', async (req, res, next) => {
    try {
      const user = req.session.adminUser!;
      const slug = String((req.body as { workspace?: unknown } | undefined)?.workspace ?? '');
      const membership = (await entities.users.memberships(user.id)).find((m) => m.slug === slug);
      if (!membership) {
        res.status(403).type('text').send(`You are not a member of workspace "${slug}".`);
        return;
      }
      req.session.adminUser = {
        ...user,
        workspaceId: membership.workspaceId,
        workspaceSlug: slug,
        workspaceName: membership.name,
        role: membership.role,
      };
      await saved(req);
      res.redirect(303, '/admin');
    } catch (err) {
      next(err);
    }
  });
  return router;
}
