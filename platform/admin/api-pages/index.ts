import express, { type Router } from 'express';
import type { Entities } from '../../entities/index.js';
import type { Webhooks } from '../../webhooks/index.js';
import { editorsOnly, sendPage } from './fields.js';
import { referenceBody, type Document } from './reference.js';
import { tokenPages, TOKENS_TITLE } from './tokens.js';
import { webhookPages, WEBHOOKS_TITLE } from './webhooks.js';

export { noticeList } from './webhooks.js';
export type { Document } from './reference.js';

export interface ApiPagesDeps {
  entities: Entities;
  webhooks: Webhooks;
  /** The workspace's OpenAPI document, as its API serves it (`workspaceDocument`). */
  documentOf: (slug: string) => Promise<Document>;
}

/**
 * The admin's pages for the workspace API (issue 18): tokens and webhooks for owners and admins,
 * the reference for every member (it holds what any token of the workspace may read, and no data).
 * Server-rendered, no script; every form posts through the admin's same-origin check.
 */
export function apiPages({ entities, webhooks, documentOf }: ApiPagesDeps): Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '16kb' });
  router.use('/tokens', editorsOnly(TOKENS_TITLE), form, tokenPages(entities, documentOf));
  router.use('/webhooks', editorsOnly(WEBHOOKS_TITLE), form, webhookPages(webhooks));
  router.get('/api-reference', async (req, res, next) => {
    try {
      const { workspaceSlug } = req.session.adminUser!;
      sendPage(res, 200, 'API reference', referenceBody(await documentOf(workspaceSlug), workspaceSlug));
    } catch (err) {
      next(err);
    }
  });
  router.get('/api-reference/openapi.json', async (req, res, next) => {
    try {
      const { workspaceSlug } = req.session.adminUser!;
      res
        .set('Content-Disposition', `attachment; filename="${workspaceSlug}-openapi.json"`)
        .json(await documentOf(workspaceSlug));
    } catch (err) {
      next(err);
    }
  });
  return router;
}
