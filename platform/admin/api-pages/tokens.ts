import express, { type Router } from 'express';
import { NotFoundError, ValidationError } from '../../errors/index.js';
import type { ApiToken, Entities } from '../../entities/index.js';
import { escapeHtml as e } from '../markup.js';
import { postButton } from '../plain-page.js';
import type { AdminUser } from '../screens.js';
import {
  backLinks,
  describedBy,
  errorLine,
  fieldError,
  formList,
  formText,
  refusedSummary,
  sendPage,
  type FieldErrors,
} from './fields.js';
import { operationScopes, type Document } from './reference.js';

export const TOKENS_TITLE = 'API tokens';
/** The form's fields by the entity's names for them. */
const FIELDS = { name: 'name', scopes: 'scopes', expiresAt: 'expires' };

interface Form {
  name: string;
  scopes: string[];
  expires: string;
}

/**
 * The workspace's API tokens for its owners and admins: listed (never the secret), made through
 * the same entity as `plinth token create` with the plaintext shown once, and revoked after a
 * confirmation. Scopes are offered from the workspace's API document, so a module table's scopes
 * are those of the modules enabled here.
 */
export function tokenPages(entities: Entities, documentOf: (slug: string) => Promise<Document>): Router {
  const router = express.Router();
  const offered = async (user: AdminUser) => operationScopes(await documentOf(user.workspaceSlug));

  router.get('/', async (req, res, next) => {
    try {
      const user = req.session.adminUser!;
      sendPage(
        res,
        200,
        TOKENS_TITLE,
        listPage(
          user,
          await entities.apiTokens.list(user.workspaceId),
          await offered(user),
          { name: '', scopes: [], expires: '' },
          {},
        ),
      );
    } catch (err) {
      next(err);
    }
  });

  router.post('/', async (req, res, next) => {
    try {
      const user = req.session.adminUser!;
      const form = { name: formText(req, 'name'), scopes: formList(req, 'scopes'), expires: formText(req, 'expires') };
      const groups = await offered(user);
      let made: Awaited<ReturnType<Entities['apiTokens']['create']>>;
      try {
        const known = new Set(groups.flatMap((g) => g.scopes));
        const unknown = form.scopes.find((s) => !known.has(s));
        if (unknown !== undefined) throw new ValidationError('scopes', `"${unknown}" is not a scope of this workspace's API`);
        made = await entities.apiTokens.create(user.workspaceId, {
          name: form.name,
          scopes: form.scopes,
          expiresAt: expiryOf(form.expires),
          createdBy: user.email,
        });
      } catch (err) {
        const errors = fieldError(err, FIELDS);
        sendPage(res, 400, TOKENS_TITLE, listPage(user, await entities.apiTokens.list(user.workspaceId), groups, form, errors));
        return;
      }
      sendPage(
        res,
        201,
        'API token created',
        `<div class="once" role="status"><p>The token <strong>${e(made.token.name)}</strong> for ${e(user.workspaceSlug)}:</p>
<p><code data-testid="token-plaintext">${e(made.plaintext)}</code></p>
<p><strong>Copy it now: it will not be shown again.</strong> Only its hash is kept; a lost token is revoked and replaced.</p></div>
<p><a href="/admin/tokens">Back to the API tokens</a></p>`,
      );
    } catch (err) {
      next(err);
    }
  });

  router.get('/:id/revoke', async (req, res, next) => {
    try {
      const user = req.session.adminUser!;
      const token = await tokenIn(entities, user, String(req.params.id));
      sendPage(
        res,
        200,
        'Revoke this API token?',
        `<p>The token <strong>${e(token.name)}</strong> (<code>plinth_${e(token.prefix)}_…</code>) is refused from its next request on. This cannot be undone.</p>
${postButton(`/admin/tokens/${token.id}/revoke`, 'Revoke the token')}<p><a href="/admin/tokens">Cancel</a></p>`,
      );
    } catch (err) {
      next(err);
    }
  });

  router.post('/:id/revoke', async (req, res, next) => {
    try {
      const user = req.session.adminUser!;
      const token = await tokenIn(entities, user, String(req.params.id));
      await entities.apiTokens.revoke(token.id);
      res.redirect(303, '/admin/tokens');
    } catch (err) {
      next(err);
    }
  });
  return router;
}

/** A date field's day (the token lasts to its end, UTC); the entity's default when empty. */
function expiryOf(raw: string): Date | undefined {
  if (raw.trim() === '') return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(raw.trim())) throw new ValidationError('expiresAt', `"${raw}" is not a day (2027-01-31)`);
  const at = new Date(`${raw.trim()}T23:59:59Z`);
  if (Number.isNaN(at.getTime())) throw new ValidationError('expiresAt', `"${raw}" is not a day (2027-01-31)`);
  return at;
}

/** The token when it is this workspace's: revoking takes an id alone, so the workspace is checked here. */
async function tokenIn(entities: Entities, user: AdminUser, id: string): Promise<ApiToken> {
  const token = (await entities.apiTokens.list(user.workspaceId)).find((t) => t.id === id);
  if (!token) throw new NotFoundError('API token', id);
  return token;
}

const stateOf = (token: ApiToken, now: number): string =>
  token.revokedAt ? 'revoked' : new Date(token.expiresAt).getTime() <= now ? 'expired' : 'active';

const day = (at: Date | null): string => (at ? new Date(at).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : 'never');

function listPage(
  user: AdminUser,
  tokens: ApiToken[],
  groups: { tag: string; scopes: string[] }[],
  form: Form,
  errors: FieldErrors,
): string {
  const now = Date.now();
  const rows = tokens
    .map((t) => {
      const state = stateOf(t, now);
      return `<tr><td>${e(t.name)}</td><td><code>plinth_${e(t.prefix)}_…</code></td><td>${t.scopes.map((s) => `<code>${e(s)}</code>`).join(', ')}</td>
<td>${day(t.expiresAt)}</td><td>${day(t.lastUsedAt)}</td><td>${state}</td>
<td>${state === 'active' ? `<a href="/admin/tokens/${t.id}/revoke" aria-label="Revoke ${e(t.name)}">Revoke</a>` : ''}</td></tr>`;
    })
    .join('\n');
  const table =
    tokens.length === 0
      ? '<p>No tokens yet.</p>'
      : `<div><table><caption>Tokens of ${e(user.workspaceSlug)}</caption><thead><tr><th scope="col">Name</th><th scope="col">Prefix</th><th scope="col">Scopes</th><th scope="col">Expires</th><th scope="col">Last used</th><th scope="col">State</th><th scope="col">Action</th></tr></thead><tbody>${rows}</tbody></table></div>`;
  const chosen = new Set(form.scopes);
  const boxes = groups
    .map(
      (g) =>
        `<fieldset><legend>${e(g.tag)}</legend>${g.scopes
          .map(
            (s) =>
              `<span class="choice"><input type="checkbox" name="scopes" id="scope-${e(s)}" value="${e(s)}"${chosen.has(s) ? ' checked' : ''}><label for="scope-${e(s)}" style="display:inline">${e(s)}</label></span>`,
          )
          .join('')}</fieldset>`,
    )
    .join('');
  return `${backLinks()}
<p>A token lets a script or another system use ${e(user.workspaceSlug)}'s API (<code>/api/v1/${e(user.workspaceSlug)}/…</code>) with the scopes it is given. <a href="/admin/api-reference">API reference</a></p>
<h2>Tokens</h2>${table}
<h2>New token</h2>
<form method="post" action="/admin/tokens" novalidate>${refusedSummary(errors)}
<label for="name">Name</label><input id="name" name="name" maxlength="100" value="${e(form.name)}"${describedBy(errors, 'name')}>${errorLine(errors, 'name')}
<div role="group" id="scopes" aria-labelledby="scopes-label"${describedBy(errors, 'scopes')}><p id="scopes-label"><strong>Scopes</strong></p>${boxes}</div>${errorLine(errors, 'scopes')}
<label for="expires">Expires at the end of (empty: in 90 days)</label><input id="expires" name="expires" type="date" value="${e(form.expires)}"${describedBy(errors, 'expires')}>${errorLine(errors, 'expires')}
<p><button type="submit">Create token</button></p></form>`;
}
