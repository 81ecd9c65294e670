import express, { type Request, type Response } from 'express';
import type { Platform } from '../composition/index.js';
import type { ApiCaller } from '../entities/index.js';
import { AccessError } from '../errors/index.js';
import { answerProblems, sendProblem } from '../http/problem.js';
import { log } from '../log/index.js';
import { RouteError } from '../routes/index.js';
import { RouteLimiter, type RateLimit } from '../routes/rate-limit.js';
import { asBodyError, contactBody, contactChanges } from './contact-body.js';
import { contactPage } from './contacts.js';
import { eventPage } from './events.js';
import { idempotencyKey, once, type Reply } from './idempotency.js';
import { ModuleTables } from './module-tables.js';
import { csvExport, type ExportSource } from './export.js';
import { CONTACT_LIST } from './contact-schemas.js';
import { openApiDocument } from './openapi.js';
import { RegistryVersions } from './registry-versions.js';
import { RequestChecks } from './request-checks.js';
import { workspaceOf, type ApiWorkspace } from './workspace.js';

/** Requests per token: generous for a sync job, a ceiling for a runaway loop. */
export const API_RATE_LIMIT: RateLimit = { max: 600, windowSeconds: 60 };

type Handler = (workspace: ApiWorkspace, req: Request) => Promise<Reply>;

const ok = async (body: Promise<unknown>): Promise<Reply> => ({ status: 200, body: await body });

/**
 * The workspace API, `/api/v1/<workspace slug>/…`, for callers holding a token of that workspace.
 * Each request: its token (401 when missing, unknown, revoked or expired), the token's rate
 * limit, then in one unit as the application in the token's workspace, the path's workspace (the
 * same 404 for another workspace as for none), the scope (403), the request against the
 * workspace's OpenAPI document (400 naming each input at fault), and the handler. Every error is
 * a problem (RFC 9457).
 */
export function createApi(platform: Platform): express.Router {
  const { db, entities } = platform;
  const limiter = new RouteLimiter(db);
  const versions = new RegistryVersions(platform.marketplace);
  const checks = new RequestChecks();
  const router = express.Router();
  router.use(express.json({ limit: '64kb' }));

  /** A write runs once per Idempotency-Key of its token (idempotency.ts). */
  const serve =
    (scope: string | ((req: Request) => string) | null, handler: Handler, options: { write?: boolean } = {}) =>
    (req: Request, res: Response) =>
      void (async () => {
        try {
          const caller = await callerOf(req);
          await limiter.hit(`api:${caller.tokenId}`, API_RATE_LIMIT, 'this token');
          const slug = String(req.params.workspace);
          const reply = await db.unit({ role: 'app', workspaceId: caller.workspaceId }, async () => {
            const workspace = await workspaceOf(db, versions, caller.workspaceId, slug);
            const needed = typeof scope === 'function' ? scope(req) : scope;
            if (needed !== null && !caller.scopes.includes(needed))
              throw new AccessError(`this token lacks the scope "${needed}"`, needed);
            await checks.check(workspace, req, res);
            const key = options.write ? idempotencyKey(req) : undefined;
            if (key === undefined) return handler(workspace, req);
            return once(db, caller, key, req, () => handler(workspace, req));
          });
          res.status(reply.status).set(reply.headers ?? {});
          if (reply.stream) await reply.stream(res);
          else if (reply.status === 204) res.end();
          else res.json(reply.body);
        } catch (err) {
          // A download already under way cannot turn into a problem: it is cut, so the client sees it incomplete.
          if (res.headersSent) {
            log.error({ err }, `the API (${req.method} ${req.path}) failed while streaming`);
            res.destroy();
          } else sendProblem(res, err, `the API (${req.method} ${req.path})`);
        }
      })();

  const callerOf = async (req: Request): Promise<ApiCaller> => {
    const [kind, token, ...rest] = (req.get('authorization') ?? '').split(' ');
    if (kind?.toLowerCase() !== 'bearer' || !token || rest.length > 0)
      throw new RouteError(401, 'unauthorized', 'send a token: Authorization: Bearer <token>', undefined, {
        'WWW-Authenticate': 'Bearer',
      });
    const caller = await entities.apiTokens.authenticate(token);
    if (!caller)
      throw new RouteError(401, 'unauthorized', 'the token is unknown, revoked or expired', undefined, {
        'WWW-Authenticate': 'Bearer error="invalid_token"',
      });
    return caller;
  };

  /** A download of every row a list's query selects: the list's scope, checked before the first byte. */
  const download = (name: string, source: ExportSource, query: Record<string, unknown>): Reply => ({
    status: 200,
    body: null,
    headers: { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="${name}.csv"` },
    stream: csvExport(db, source, query),
  });
  router.get(
    '/v1/:workspace/contacts/export',
    serve('contacts:read', (workspace, req) =>
      Promise.resolve(
        download(
          'contacts',
          {
            shape: CONTACT_LIST,
            table: 'contacts',
            workspaceColumn: 'workspace_id',
            unit: { role: 'app', workspaceId: workspace.id },
          },
          req.query,
        ),
      ),
    ),
  );
  router.get(
    '/v1/:workspace/contacts',
    serve('contacts:read', (workspace, req) => ok(contactPage(db, workspace.id, req.query))),
  );
  router.post(
    '/v1/:workspace/contacts',
    serve(
      'contacts:write',
      async (workspace, req) => {
        const input = contactBody(req.body);
        // The shell's identity rules decide: a capture whose email or phone is a contact's enriches it.
        const { contact, created } = await entities.contacts.upsert(workspace.id, input).catch((err: unknown) => {
          throw asBodyError(err);
        });
        const location = `${req.baseUrl}/v1/${String(req.params.workspace)}/contacts/${contact.id}`;
        return { status: created ? 201 : 200, body: contact, headers: { Location: location } };
      },
      { write: true },
    ),
  );
  router.patch(
    '/v1/:workspace/contacts/:id',
    serve(
      'contacts:write',
      async (workspace, req) => {
        const changes = contactChanges(req.body);
        // Another workspace's id is a 404, a malformed one a 400 naming the parameter, before the body's checks.
        const { id } = await entities.contacts.get(workspace.id, String(req.params.id));
        const contact = await entities.contacts.update(workspace.id, id, changes).catch((err: unknown) => {
          throw asBodyError(err);
        });
        return { status: 200, body: contact };
      },
      { write: true },
    ),
  );
  router.get(
    '/v1/:workspace/contacts/:id',
    serve('contacts:read', (workspace, req) => ok(entities.contacts.get(workspace.id, String(req.params.id)))),
  );
  router.get(
    '/v1/:workspace/events',
    serve('events:read', (workspace, req) => ok(eventPage(db, workspace.id, req.query))),
  );
  // Any token of the workspace may read what the API offers there; what it may do is its scopes'.
  router.get(
    '/v1/:workspace/openapi.json',
    serve(null, (workspace) => Promise.resolve({ status: 200, body: checks.document(workspace) })),
  );
  const tables = new ModuleTables(platform);
  const tablePath = '/v1/:workspace/modules/:module/:table';
  /** A module table's scope: `<module>:<table>:read|write`, the names as the path gives them. */
  const tableScope = (access: 'read' | 'write') => (req: Request) =>
    `${String(req.params.module)}:${String(req.params.table)}:${access}`;
  const served = (workspace: ApiWorkspace, req: Request) =>
    tables.find(workspace, String(req.params.module), String(req.params.table));
  router.get(
    `${tablePath}/export`,
    serve(tableScope('read'), (workspace, req) => {
      const table = served(workspace, req);
      return Promise.resolve(
        download(
          `${table.row.moduleId}-${table.table.name}`,
          { shape: table.shape, table: table.name, workspaceColumn: 'workspace_id', unit: table.unit },
          req.query,
        ),
      );
    }),
  );
  router.get(
    tablePath,
    serve(tableScope('read'), (workspace, req) => ok(tables.list(served(workspace, req), req.query))),
  );
  router.get(
    `${tablePath}/:id`,
    serve(tableScope('read'), (workspace, req) => ok(tables.get(served(workspace, req), String(req.params.id)))),
  );
  router.post(
    tablePath,
    serve(
      tableScope('write'),
      async (workspace, req) => {
        const row = await tables.create(served(workspace, req), req.body);
        const location = `${req.baseUrl}${req.path}/${String(row.id)}`;
        return { status: 201, body: row, headers: { Location: location } };
      },
      { write: true },
    ),
  );
  router.patch(
    `${tablePath}/:id`,
    serve(tableScope('write'), (workspace, req) => ok(tables.update(served(workspace, req), String(req.params.id), req.body)), {
      write: true,
    }),
  );
  router.delete(
    `${tablePath}/:id`,
    serve(
      tableScope('write'),
      async (workspace, req) => {
        await tables.remove(served(workspace, req), String(req.params.id));
        return { status: 204, body: null };
      },
      { write: true },
    ),
  );
  router.use((req, res) =>
    sendProblem(res, new RouteError(404, 'not_found', `no API endpoint ${req.method} ${req.path}`), 'the API'),
  );
  router.use(answerProblems('the API'));
  return router;
}

/** The workspace's OpenAPI document as its API serves it, for `plinth api spec` and the admin's reference page. */
export async function workspaceDocument(
  platform: Pick<Platform, 'db' | 'entities' | 'marketplace'>,
  slug: string,
): Promise<Record<string, unknown>> {
  const { id } = await platform.entities.workspaces.bySlug(slug);
  const workspace = await platform.db.app(id, () =>
    workspaceOf(platform.db, new RegistryVersions(platform.marketplace), id, slug),
  );
  return openApiDocument(workspace);
}
