import express, { type Request, type Response } from 'express';
import type { Platform } from '../composition/index.js';
import type { ApiCaller } from '../entities/index.js';
import { AccessError, NotFoundError } from '../errors/index.js';
import { answerProblems, sendProblem } from '../http/problem.js';
import { RouteError } from '../routes/index.js';
import { RouteLimiter, type RateLimit } from '../routes/rate-limit.js';
import { asBodyError, contactBody, contactChanges } from './contact-body.js';
import { contactPage } from './contacts.js';
import { eventPage } from './events.js';
import { idempotencyKey, once, type Reply } from './idempotency.js';
import { ModuleTables } from './module-tables.js';

/** Requests per token: generous for a sync job, a ceiling for a runaway loop. */
export const API_RATE_LIMIT: RateLimit = { max: 600, windowSeconds: 60 };

type Handler = (workspaceId: string, req: Request) => Promise<Reply>;

const ok = async (body: Promise<unknown>): Promise<Reply> => ({ status: 200, body: await body });

/**
 * The workspace API, `/api/v1/<workspace slug>/…`, for callers holding a token of that workspace.
 * Each request: its token (401 when missing, unknown, revoked or expired), the token's rate
 * limit, then in one unit as the application in the token's workspace, the path's workspace (the
 * same 404 for another workspace as for none), the scope (403), and the handler. Every error is
 * a problem (RFC 9457).
 */
export function createApi(platform: Platform): express.Router {
  const { db, entities } = platform;
  const limiter = new RouteLimiter(db);
  const router = express.Router();
  router.use(express.json({ limit: '64kb' }));

  /** A write runs once per Idempotency-Key of its token (idempotency.ts). */
  const serve =
    (scope: string | ((req: Request) => string), handler: Handler, options: { write?: boolean } = {}) =>
    (req: Request, res: Response) =>
      void (async () => {
        try {
          const caller = await callerOf(req);
          await limiter.hit(`api:${caller.tokenId}`, API_RATE_LIMIT, 'this token');
          const slug = String(req.params.workspace);
          const reply = await db.unit({ role: 'app', workspaceId: caller.workspaceId }, async () => {
            const [own] = await db.rows('SELECT 1 FROM workspaces WHERE id = $1 AND slug = $2', [caller.workspaceId, slug]);
            if (!own) throw new NotFoundError('workspace', slug);
            const needed = typeof scope === 'string' ? scope : scope(req);
            if (!caller.scopes.includes(needed)) throw new AccessError(`this token lacks the scope "${needed}"`, needed);
            const key = options.write ? idempotencyKey(req) : undefined;
            if (key === undefined) return handler(caller.workspaceId, req);
            return once(db, caller, key, req, () => handler(caller.workspaceId, req));
          });
          res.status(reply.status).set(reply.headers ?? {});
          if (reply.status === 204) res.end();
          else res.json(reply.body);
        } catch (err) {
          sendProblem(res, err, `the API (${req.method} ${req.path})`);
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

  router.get(
    '/v1/:workspace/contacts',
    serve('contacts:read', (workspaceId, req) => ok(contactPage(db, workspaceId, req.query))),
  );
  router.post(
    '/v1/:workspace/contacts',
    serve(
      'contacts:write',
      async (workspaceId, req) => {
        const input = contactBody(req.body);
        // The shell's identity rules decide: a capture whose email or phone is a contact's enriches it.
        const { contact, created } = await entities.contacts.upsert(workspaceId, input).catch((err: unknown) => {
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
      async (workspaceId, req) => {
        const changes = contactChanges(req.body);
        // Another workspace's id is a 404, a malformed one a 400 naming the parameter, before the body's checks.
        const { id } = await entities.contacts.get(workspaceId, String(req.params.id));
        const contact = await entities.contacts.update(workspaceId, id, changes).catch((err: unknown) => {
          throw asBodyError(err);
        });
        return { status: 200, body: contact };
      },
      { write: true },
    ),
  );
  router.get(
    '/v1/:workspace/contacts/:id',
    serve('contacts:read', (workspaceId, req) => ok(entities.contacts.get(workspaceId, String(req.params.id)))),
  );
  router.get(
    '/v1/:workspace/events',
    serve('events:read', (workspaceId, req) => ok(eventPage(db, workspaceId, req.query))),
  );
  const tables = new ModuleTables(platform);
  const tablePath = '/v1/:workspace/modules/:module/:table';
  /** A module table's scope: `<module>:<table>:read|write`, the names as the path gives them. */
  const tableScope = (access: 'read' | 'write') => (req: Request) =>
    `${String(req.params.module)}:${String(req.params.table)}:${access}`;
  const served = (workspaceId: string, req: Request) =>
    tables.find(workspaceId, String(req.params.module), String(req.params.table));
  router.get(
    tablePath,
    serve(tableScope('read'), async (workspaceId, req) => ok(tables.list(await served(workspaceId, req), req.query))),
  );
  router.get(
    `${tablePath}/:id`,
    serve(tableScope('read'), async (workspaceId, req) => ok(tables.get(await served(workspaceId, req), String(req.params.id)))),
  );
  router.post(
    tablePath,
    serve(
      tableScope('write'),
      async (workspaceId, req) => {
        const row = await tables.create(await served(workspaceId, req), req.body);
        const location = `${req.baseUrl}${req.path}/${String(row.id)}`;
        return { status: 201, body: row, headers: { Location: location } };
      },
      { write: true },
    ),
  );
  router.patch(
    `${tablePath}/:id`,
    serve(
      tableScope('write'),
      async (workspaceId, req) => ok(tables.update(await served(workspaceId, req), String(req.params.id), req.body)),
      { write: true },
    ),
  );
  router.delete(
    `${tablePath}/:id`,
    serve(
      tableScope('write'),
      async (workspaceId, req) => {
        await tables.remove(await served(workspaceId, req), String(req.params.id));
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
