import type { Request, RequestHandler, Response } from 'express';
import { PlinthError } from '../../errors/index.js';
import { escapeHtml } from '../markup.js';
import { plainPage } from '../plain-page.js';
import { canEdit } from '../screens.js';

/** A refusal, keyed by the form field it is shown beside. */
export type FieldErrors = Record<string, string>;

/**
 * The form field an entity's refusal names (`scopes[2]` is the scopes field), with its message;
 * any other error is not the input's fault and goes on up.
 */
export function fieldError(err: unknown, fields: Record<string, string>): FieldErrors {
  if (!(err instanceof PlinthError) || err.code !== 'invalid_input') throw err;
  const root = (err.path ?? '').replace(/\[\d+\]$/, '');
  return { [fields[root] ?? Object.values(fields)[0]!]: err.message };
}

/** A field's error, named by id so the field's `aria-describedby` reads it out. */
export const errorLine = (errors: FieldErrors, field: string): string =>
  errors[field] ? `<p class="field-error" id="${field}-error">${escapeHtml(errors[field])}</p>` : '';

/** The attributes that tie a field to its error, when it has one. */
export const describedBy = (errors: FieldErrors, field: string): string =>
  errors[field] ? ` aria-invalid="true" aria-describedby="${field}-error"` : '';

/** A summary at the top of a refused form, read out first. */
export const refusedSummary = (errors: FieldErrors): string =>
  Object.keys(errors).length > 0
    ? `<p class="error" role="alert">Nothing was saved: ${escapeHtml(Object.values(errors).join('; '))}</p>`
    : '';

/** A value of a url-encoded form: one text, or every checked box of a name. */
export const formText = (req: Request, name: string): string => {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
};
export const formList = (req: Request, name: string): string[] => {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  return (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter((v): v is string => typeof v === 'string');
};

/** The page in words, never cached: it may hold a secret shown once. */
export function sendPage(res: Response, status: number, title: string, body: string): void {
  res
    .status(status)
    .type('html')
    .set('Cache-Control', 'no-store')
    .send(plainPage(title, body, { wide: true }));
}

/**
 * Owners and admins of the session's workspace go on; a member is told who may, before any body
 * is read.
 */
export const editorsOnly =
  (what: string): RequestHandler =>
  (req, res, next) => {
    const user = req.session.adminUser!;
    if (canEdit(user.role)) return next();
    sendPage(
      res,
      403,
      what,
      `<p>Only owners and admins of ${escapeHtml(user.workspaceName ?? user.workspaceSlug)} manage ${escapeHtml(what.toLowerCase())}; you are a ${escapeHtml(user.role)}.</p>
${backLinks()}`,
    );
  };

/** The links between the workspace API's pages and back to the admin. */
export const backLinks = (): string =>
  `<nav aria-label="Workspace API"><ul><li><a href="/admin">Back to the admin</a></li><li><a href="/admin/tokens">API tokens</a></li><li><a href="/admin/webhooks">Webhooks</a></li><li><a href="/admin/api-reference">API reference</a></li></ul></nav>`;
