import { randomBytes } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import { quoteIdent as q, type Database } from '../db/index.js';
import { DatabaseUnavailableError } from '../errors/index.js';
import { log } from '../log/index.js';
import { escapeHtml } from '../markup/index.js';
import { webFormParameter, type PluginManifest } from '../manifests/index.js';
import { moduleNames, type Marketplace } from '../registry/index.js';
import { RouteError } from './errors.js';
import { RouteLimiter, type RateLimit } from './rate-limit.js';
import { webFormPage, type FieldsSchema } from './web-form-markup.js';

/** Pages are read, not written: more generous than a form's posts, still a bound on what one address costs. */
const PAGE_LIMIT: RateLimit = { max: 120, windowSeconds: 60 };

export interface WebFormPagesDeps {
  db: Database;
  marketplace: Marketplace;
}

type Table = NonNullable<PluginManifest['tables']>[number];

/**
 * The pages people fill forms in on: `/forms/<module id>/<workspace>/<slug>` for each active row of
 * a module table that declares `webForm`. Anyone may ask, from anywhere (the page may sit in
 * another site's iframe), so a missing module, workspace, form or an inactive one all get the
 * same 404, and the page's one script runs only by this response's nonce.
 */
export function createWebFormPages(deps: WebFormPagesDeps): express.Router {
  const limiter = new RouteLimiter(deps.db);
  const router = express.Router();
  router.get('/:module/:workspace/:slug', (req, res) => void servePage(deps, limiter, req, res));
  return router;
}

async function servePage(deps: WebFormPagesDeps, limiter: RouteLimiter, req: Request, res: Response): Promise<void> {
  const { module: moduleId, workspace: slug, slug: formSlug } = req.params as { module: string; workspace: string; slug: string };
  try {
    await limiter.hit(`forms:${moduleId.slice(0, 40)}:${slug.slice(0, 100)}:${req.ip}`, PAGE_LIMIT);
    const row = /^[a-z][a-z0-9-]{1,30}$/.test(moduleId) ? await deps.marketplace.registry.installed(moduleId) : null;
    const table = row?.manifest.tables?.find((t) => t.webForm);
    if (!row || !table) return notFound(res);
    const [workspace] = await deps.db.read<{ id: string }>({ role: 'app' }, 'SELECT id FROM plinth_route_workspace($1, $2)', [
      slug,
      moduleId,
    ]);
    if (!workspace) return notFound(res);
    const form = await readForm(deps.db, moduleId, table, workspace.id, formSlug);
    if (!form) return notFound(res);
    const { webForm } = table as Required<Pick<Table, 'webForm'>>;
    const parameter = webFormParameter(webForm.route)!;
    const path = webForm.route
      .split('/')
      .map((s) => (s === ':workspace' ? encodeURIComponent(slug) : s === `:${parameter}` ? encodeURIComponent(formSlug) : s))
      .join('/');
    const nonce = randomBytes(16).toString('base64');
    res
      .status(200)
      .set(pageHeaders(nonce))
      .type('html')
      .send(webFormPage({ ...form, action: `/m/${moduleId}${path}`, nonce }));
  } catch (err) {
    if (err instanceof RouteError) return page(res, err.status, 'Please wait', escapeHtml(err.message), err.headers);
    if (!(err instanceof DatabaseUnavailableError))
      log.error({ err, form: `${moduleId}/${slug}/${formSlug}` }, 'form page failed');
    page(res, 503, 'This form is unavailable', 'Please try again in a few minutes.');
  }
}

/** The active form a slug names in a workspace, read as its module under the workspace's row policies. */
async function readForm(
  db: Database,
  moduleId: string,
  table: Table,
  workspaceId: string,
  formSlug: string,
): Promise<{ title: string; fields: FieldsSchema; consent: string | null } | undefined> {
  const names = moduleNames(moduleId, db.roles.prefix);
  const { slug, fields, title, consent, active } = table.webForm!;
  const [form] = await db.read<{ title: string | null; fields: FieldsSchema | null; consent: string | null }>(
    { role: { name: names.runtimeRole }, workspaceId, schema: names.schema },
    `SELECT ${title ? q(title) : 'NULL'} AS title, ${q(fields)} AS fields, ${consent ? q(consent) : 'NULL'} AS consent
       FROM ${q(table.name)} WHERE ${q(slug)} = $1${active ? ` AND ${q(active)}` : ''}`,
    [formSlug],
  );
  if (!form?.fields) return undefined;
  return { title: form.title || formSlug, fields: form.fields, consent: form.consent || null };
}

/** What lets the page be framed anywhere and run nothing but its own script and style. */
function pageHeaders(nonce: string): Record<string, string> {
  return {
    'Content-Security-Policy': [
      "default-src 'none'",
      `script-src 'nonce-${nonce}'`,
      `style-src 'nonce-${nonce}'`,
      "connect-src 'self'",
      "form-action 'none'",
      "base-uri 'none'",
      'frame-ancestors *',
    ].join('; '),
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
  };
}

function notFound(res: Response): void {
  page(res, 404, 'Form not found', 'There is no form at this address, or it is no longer taking submissions.');
}

/** A page with no script for the answers that are not a form; `body` is already escaped. */
function page(res: Response, status: number, title: string, body: string, headers: Record<string, string> = {}): void {
  res
    .status(status)
    .set({ ...headers, 'Content-Security-Policy': "default-src 'none'; frame-ancestors *", 'Cache-Control': 'no-store' })
    .type('html')
    .send(
      `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><main><h1>${escapeHtml(title)}</h1><p>${body}</p></main></html>`,
    );
}
