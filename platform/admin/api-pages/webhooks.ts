import express, { type Request, type Response, type Router } from 'express';
import type { Webhook, WebhookNotice, Webhooks } from '../../webhooks/index.js';
import { escapeHtml as e } from '../markup.js';
import { postButton } from '../plain-page.js';
import type { AdminUser } from '../screens.js';
import { backLinks, describedBy, errorLine, fieldError, formText, refusedSummary, sendPage, type FieldErrors } from './fields.js';

export const WEBHOOKS_TITLE = 'Webhooks';
const FIELDS = { url: 'url', events: 'events', active: 'active' };

interface Form {
  url: string;
  events: string;
  active: boolean;
}

/** `a.b, c.*` or one a line, as the CLI's `--events` takes them comma-separated. */
const eventList = (raw: string): string[] =>
  raw
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);

/** The platform's notices of webhooks it switched off for failing, as the admin shows them. */
export function noticeList(notices: WebhookNotice[]): string {
  if (notices.length === 0) return '';
  return `<div class="notice" role="alert"><h2>Switched off after failing</h2><ul>${notices
    .map(
      (n) =>
        `<li><code class="url">${e(n.url)}</code> was switched off at ${e(new Date(n.disabledAt).toISOString())}: ${e(n.reason)}. Switch it on again once its receiver answers; its dead deliveries can then be replayed from the event log.</li>`,
    )
    .join('')}</ul></div>`;
}

/**
 * The workspace's outbound webhooks for its owners and admins, through the same service as
 * `plinth webhook`: listed with their state (the platform's notice when it switched one off),
 * created and rotated with the secret shown once, edited, switched on and off, removed after a
 * confirmation. A refusal (the URL's address check among them) is shown beside its field.
 */
export function webhookPages(webhooks: Webhooks): Router {
  const router = express.Router();
  const answered =
    (handler: (user: AdminUser, req: Request, res: Response) => Promise<void>) =>
    (req: Request, res: Response, next: (err?: unknown) => void) => {
      handler(req.session.adminUser!, req, res).catch(next);
    };
  const listed = async (user: AdminUser, status: number, res: Response, form: Form, errors: FieldErrors) =>
    sendPage(
      res,
      status,
      WEBHOOKS_TITLE,
      listPage(user, await webhooks.list(user.workspaceId), await webhooks.notices(user.workspaceId), form, errors),
    );
  const secretShown = (res: Response, status: number, title: string, webhook: Webhook, secret: string) =>
    sendPage(
      res,
      status,
      title,
      `<div class="once" role="status"><p>The signing secret of the webhook to <code>${e(webhook.url)}</code>:</p>
<p><code data-testid="webhook-secret">${e(secret)}</code></p>
<p><strong>Copy it now: it will not be shown again.</strong> The receiver checks each delivery's <code>X-Plinth-Signature</code> with it.</p></div>
<p><a href="/admin/webhooks">Back to the webhooks</a></p>`,
    );

  router.get(
    '/',
    answered((user, _req, res) => listed(user, 200, res, { url: '', events: '', active: true }, {})),
  );

  router.post(
    '/',
    answered(async (user, req, res) => {
      const form = {
        url: formText(req, 'url').trim(),
        events: formText(req, 'events'),
        active: formText(req, 'active') === 'on',
      };
      try {
        const { webhook, secret } = await webhooks.create(user.workspaceId, {
          url: form.url,
          events: eventList(form.events),
          active: form.active,
          createdBy: user.email,
        });
        secretShown(res, 201, 'Webhook created', webhook, secret);
      } catch (err) {
        await listed(user, 400, res, form, fieldError(err, FIELDS));
      }
    }),
  );

  router.get(
    '/:id/edit',
    answered(async (user, req, res) => {
      const webhook = await webhooks.get(user.workspaceId, String(req.params.id));
      sendPage(res, 200, 'Edit webhook', editPage(webhook, { url: webhook.url, events: webhook.events.join(', ') }, {}));
    }),
  );

  router.post(
    '/:id/edit',
    answered(async (user, req, res) => {
      const webhook = await webhooks.get(user.workspaceId, String(req.params.id));
      const form = { url: formText(req, 'url').trim(), events: formText(req, 'events') };
      try {
        await webhooks.update(user.workspaceId, webhook.id, { url: form.url, events: eventList(form.events) });
      } catch (err) {
        sendPage(res, 400, 'Edit webhook', editPage(webhook, form, fieldError(err, FIELDS)));
        return;
      }
      res.redirect(303, '/admin/webhooks');
    }),
  );

  router.post(
    '/:id/active',
    answered(async (user, req, res) => {
      const webhook = await webhooks.get(user.workspaceId, String(req.params.id));
      await webhooks.update(user.workspaceId, webhook.id, { active: formText(req, 'active') === 'on' });
      res.redirect(303, '/admin/webhooks');
    }),
  );

  for (const [action, question, button, warning] of [
    [
      'rotate',
      'Rotate this webhook’s secret?',
      'Rotate the secret',
      'A new secret is shown once; the old one signs nothing from then on, so the receiver must be given the new one.',
    ],
    ['remove', 'Remove this webhook?', 'Remove the webhook', 'It and its delivery records go; the events stay in the log.'],
  ] as const) {
    router.get(
      `/:id/${action}`,
      answered(async (user, req, res) => {
        const webhook = await webhooks.get(user.workspaceId, String(req.params.id));
        sendPage(
          res,
          200,
          question,
          `<p>The webhook to <code>${e(webhook.url)}</code>. ${e(warning)}</p>
${postButton(`/admin/webhooks/${webhook.id}/${action}`, button)}<p><a href="/admin/webhooks">Cancel</a></p>`,
        );
      }),
    );
  }
  router.post(
    '/:id/rotate',
    answered(async (user, req, res) => {
      const { webhook, secret } = await webhooks.rotateSecret(user.workspaceId, String(req.params.id));
      secretShown(res, 200, 'Secret rotated', webhook, secret);
    }),
  );
  router.post(
    '/:id/remove',
    answered(async (user, req, res) => {
      await webhooks.remove(user.workspaceId, String(req.params.id));
      res.redirect(303, '/admin/webhooks');
    }),
  );
  return router;
}

function stateOf(w: Webhook): string {
  if (w.active) return w.consecutiveDead > 0 ? `on, failing: ${w.consecutiveDead} dead in a row` : 'on';
  return w.disabledReason ? `switched off after failing: ${w.disabledReason}` : 'off';
}

function listPage(user: AdminUser, list: Webhook[], notices: WebhookNotice[], form: Form, errors: FieldErrors): string {
  const rows = list
    .map(
      (w) => `<tr><td class="url"><code>${e(w.url)}</code></td><td>${w.events.map((n) => `<code>${e(n)}</code>`).join(', ')}</td>
<td>${e(stateOf(w))}</td><td><a href="/admin/webhooks/${w.id}/edit" aria-label="Edit ${e(w.url)}">Edit</a>
${postButton(`/admin/webhooks/${w.id}/active`, w.active ? 'Switch off' : 'Switch on', { active: w.active ? 'off' : 'on' })}
<a href="/admin/webhooks/${w.id}/rotate" aria-label="Rotate the secret of ${e(w.url)}">Rotate secret</a>
<a href="/admin/webhooks/${w.id}/remove" aria-label="Remove ${e(w.url)}">Remove</a></td></tr>`,
    )
    .join('\n');
  const table =
    list.length === 0
      ? '<p>No webhooks yet.</p>'
      : `<div><table><caption>Webhooks of ${e(user.workspaceSlug)}</caption><thead><tr><th scope="col">URL</th><th scope="col">Events</th><th scope="col">State</th><th scope="col">Actions</th></tr></thead><tbody>${rows}</tbody></table></div>`;
  return `${backLinks()}${noticeList(notices)}
<p>A webhook POSTs ${e(user.workspaceSlug)}'s events, signed, to a URL of yours, with retries and replay.</p>
<h2>Webhooks</h2>${table}
<h2>New webhook</h2>
<form method="post" action="/admin/webhooks" novalidate>${refusedSummary(errors)}
${urlAndEvents(form, errors)}
<p><input type="checkbox" id="active" name="active"${form.active ? ' checked' : ''}><label for="active" style="display:inline">On from the start</label></p>
<p><button type="submit">Create webhook</button></p></form>`;
}

const urlAndEvents = (form: { url: string; events: string }, errors: FieldErrors): string =>
  `<label for="url">URL (http or https, a public address)</label><input id="url" name="url" type="url" size="60" value="${e(form.url)}"${describedBy(errors, 'url')}>${errorLine(errors, 'url')}
<label for="events">Events (comma-separated: <code>contact_forms.form_submitted</code>, or <code>contact_forms.*</code> for every event of a module)</label><input id="events" name="events" size="60" value="${e(form.events)}"${describedBy(errors, 'events')}>${errorLine(errors, 'events')}`;

function editPage(webhook: Webhook, form: { url: string; events: string }, errors: FieldErrors): string {
  return `${backLinks()}<form method="post" action="/admin/webhooks/${webhook.id}/edit" novalidate>${refusedSummary(errors)}
${urlAndEvents(form, errors)}
<p><button type="submit">Save</button> <a href="/admin/webhooks">Cancel</a></p></form>`;
}
