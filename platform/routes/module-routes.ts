import express, { type Request, type Response } from 'express';
import type { Database } from '../db/index.js';
import type { Entities } from '../entities/index.js';
import { ConflictError, DatabaseUnavailableError, NotFoundError, type PlinthError, ValidationError } from '../errors/index.js';
import { ModuleNotEnabledError, type ModuleRuntime } from '../gateway/index.js';
import type { PlinthConfig } from '../config/index.js';
import { log } from '../log/index.js';
import type { PluginManifest } from '../manifests/index.js';
import type { Marketplace, RegistryRow } from '../registry/index.js';
import { parseBody, readBody } from './body.js';
import { SandboxError } from '../sandbox/index.js';
import { RouteError } from './errors.js';
import { RouteLimiter, type RateLimit } from './rate-limit.js';
import { checkSignature } from './signature-check.js';
import { takeSignedRequest } from './signature-replays.js';

type Route = NonNullable<PluginManifest['routes']>[number];

/** What a route's handler receives besides its module context. */
export interface RouteRequest {
  method: string;
  /** The path below /m/<module id>. */
  path: string;
  /** The route's path parameters; `workspace` is the workspace's slug. */
  params: Record<string, string>;
  query: Record<string, unknown>;
  /** The JSON body, already checked against the route's `body` schema. */
  body: unknown;
  /** The request headers, without cookies and credentials. */
  headers: Record<string, string | string[] | undefined>;
  ip: string;
}

/** What a handler returns; a status of 400 or more rolls back everything the handler wrote. */
export interface RouteReply {
  status?: number;
  body?: unknown;
}

/** When a route's manifest sets no rate limit: per route, workspace and address. */
export const DEFAULT_RATE_LIMITS: Record<'public' | 'hmac', RateLimit> = {
  public: { max: 30, windowSeconds: 60 },
  hmac: { max: 600, windowSeconds: 60 },
};

export interface ModuleRoutesDeps {
  db: Database;
  entities: Entities;
  marketplace: Marketplace;
  runtime: ModuleRuntime;
  config: PlinthConfig;
}

/** A handler's own refusal, thrown to roll its unit back and answered as the handler said. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly body: string | undefined,
  ) {
    super('refused by the handler');
  }
}

/**
 * The modules' public endpoints: each installed module's manifest `routes`, served under
 * `/m/<module id>/`, in the workspace their `:workspace` parameter names. The shell refuses
 * what it can before any module code runs: unknown module, workspace or route; a module not
 * enabled there; a flood past the rate limit; a body that is not JSON, too large or against the
 * route's schema; a bad, stale or missing signature, or one already used. The handler runs as its
 * module, in one transaction, which a refusal rolls back.
 */
export function createModuleRoutes(deps: ModuleRoutesDeps): express.Router {
  const routes = new ModuleRoutes(deps);
  const router = express.Router();
  router.use('/:module', (req, res) => void routes.serve(req, res));
  return router;
}

class ModuleRoutes {
  private readonly routers = new Map<string, express.Router>();
  private readonly limiter: RouteLimiter;

  constructor(private readonly deps: ModuleRoutesDeps) {
    this.limiter = new RouteLimiter(deps.db);
  }

  async serve(req: Request, res: Response): Promise<void> {
    try {
      const moduleId = String(req.params.module);
      const row = /^[a-z][a-z0-9-]{1,30}$/.test(moduleId) ? await this.deps.marketplace.registry.installed(moduleId) : null;
      if (!row) throw new RouteError(404, 'not_found', `no installed module "${moduleId}"`, moduleId);
      const router = this.routerOf(row);
      router(req, res, (err?: unknown) =>
        reply(
          res,
          err ?? new RouteError(404, 'not_found', `module "${moduleId}" has no route ${req.method} ${req.path}`, req.path),
        ),
      );
    } catch (err) {
      reply(res, err);
    }
  }

  /** One router per module version: its manifest never changes. */
  private routerOf(row: RegistryRow): express.Router {
    let router = this.routers.get(row.id);
    if (!router) {
      router = this.build(row);
      this.routers.set(row.id, router);
    }
    return router;
  }

  private build(row: RegistryRow): express.Router {
    const router = express.Router();
    const routes = row.manifest.routes ?? [];
    routes.forEach((route, index) => {
      const method = route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
      router[method](route.path, (req, res) => void this.handle(row, route, index, req, res).catch(() => res.end()));
    });
    // One preflight answer per public path, naming every method served there.
    for (const path of new Set(routes.filter((r) => r.auth === 'public').map((r) => r.path))) {
      const methods = routes.filter((r) => r.auth === 'public' && r.path === path).map((r) => r.method);
      router.options(path, (_req, res) => {
        res
          .set('Access-Control-Allow-Origin', '*')
          .set('Access-Control-Allow-Methods', methods.join(', '))
          .set('Access-Control-Allow-Headers', 'Content-Type')
          .set('Access-Control-Max-Age', '600')
          .status(204)
          .end();
      });
    }
    return router;
  }

  private async handle(row: RegistryRow, route: Route, index: number, req: Request, res: Response): Promise<void> {
    // Pages of other sites post to public routes (forms, chat widgets); no cookie is ever read.
    if (route.auth === 'public') res.set('Access-Control-Allow-Origin', '*');
    try {
      const params = req.params as Record<string, string>;
      const slug = params.workspace ?? '';
      const limit = route.rateLimit ?? DEFAULT_RATE_LIMITS[route.auth as 'public' | 'hmac'];
      await this.limiter.hit(`${row.moduleId}:${index}:${slug.slice(0, 100)}:${req.ip}`, limit);
      const workspace = await this.workspace(row.moduleId, slug);
      const raw = await readBody(req);
      const spendSignature = route.auth === 'hmac' ? this.checkSigned(row.moduleId, slug, workspace, req, raw) : undefined;
      const body = parseBody(raw, route.body, this.deps.runtime.schemasOf(row));
      const { cookie: _cookie, authorization: _authorization, ...headers } = req.headers;
      const request: RouteRequest = {
        method: req.method,
        path: req.path,
        params,
        query: req.query,
        body,
        headers,
        ip: req.ip ?? '',
      };
      const answer = await this.deps.runtime.invoke(
        row.moduleId,
        { workspaceId: workspace.id, before: spendSignature },
        [[route.handler, [request]]],
        ([reply]) => {
          if (reply !== null && typeof reply !== 'object')
            throw new Error('the handler answered neither nothing nor { status, body }');
          const out = (reply ?? {}) as RouteReply;
          const status = out.status ?? (out.body === undefined ? 204 : 200);
          // Checked before the commit: an answer that cannot be sent must not leave its writes behind.
          if (!Number.isInteger(status) || status < 200 || status > 599) throw new Error(`the handler answered status ${status}`);
          const body = out.body === undefined ? undefined : JSON.stringify(out.body);
          if (status >= 400) throw new Refusal(status, body);
          return { status, body };
        },
      );
      send(res, answer.status, answer.body);
    } catch (err) {
      reply(res, err, `${row.moduleId} ${route.method} ${route.path}`);
    }
  }

  /**
   * Checks a signed request; what takes its signature, in the handler's transaction (so that a
   * request whose work is undone may be sent again), and as the application, which alone may.
   */
  private checkSigned(
    moduleId: string,
    slug: string,
    workspace: { id: string; secret: string | null },
    req: Request,
    raw: Buffer,
  ): () => Promise<void> {
    if (!workspace.secret) {
      throw new RouteError(
        401,
        'bad_signature',
        `no signing secret has been issued for "${moduleId}" in workspace "${slug}" (plinth plugin secret ${moduleId} --workspace ${slug})`,
      );
    }
    const checked = checkSignature(
      workspace.secret,
      { timestamp: req.get('x-plinth-timestamp'), signature: req.get('x-plinth-signature') },
      raw,
    );
    const { db } = this.deps;
    return () => db.app(workspace.id, () => takeSignedRequest(db, checked));
  }

  /**
   * The workspace a route names, if the module is enabled there; with the module's signing secret
   * in it. A workspace that does not exist and one that has not enabled the module get the same
   * answer from the same one statement (0017-route-workspace-lookup): anyone may call a public
   * route, and neither its answer nor its time may tell them which workspaces exist.
   */
  private async workspace(moduleId: string, slug: string): Promise<{ id: string; secret: string | null }> {
    const [found] = await this.deps.db.read<{ id: string; secret: string | null }>(
      { role: 'app' },
      'SELECT id, secret FROM plinth_route_workspace($1, $2)',
      [slug, moduleId],
    );
    if (!found)
      throw new RouteError(404, 'not_found', `module "${moduleId}" is not available in workspace "${slug}"`, 'workspace');
    return found;
  }
}

/** Sends a JSON text (already serialized, so that a body which cannot be is caught in the handler's unit). */
function send(res: Response, status: number, body: string | undefined): void {
  if (body === undefined) res.status(status).end();
  else res.status(status).type('json').send(body);
}

/**
 * What the platform refused a handler for the caller's input, let through by the handler: the
 * caller's fault still. (A handler could answer any status itself; this adds no power.)
 */
const CALLER_FAULTS: Record<string, number> = { invalid_input: 400, not_found: 404, conflict: 409 };

/** The status of an error: the caller's fault (4xx) only for what the caller sent; the platform's or a module's is a 5xx. */
function statusOf(err: unknown): number {
  if (err instanceof RouteError) return err.status;
  const callerFault = err instanceof SandboxError && err.thrown?.code ? CALLER_FAULTS[err.thrown.code] : undefined;
  if (callerFault) return callerFault;
  if (err instanceof NotFoundError || err instanceof ModuleNotEnabledError) return 404;
  if (err instanceof ConflictError) return 409;
  if (err instanceof ValidationError) return 400;
  if (err instanceof DatabaseUnavailableError) return 503;
  if (err instanceof SandboxError && err.failure !== 'code') return 503;
  return 500;
}

/** What a caller is told when a module's sandbox failed: which limit, never the module's internals. */
function unavailableModule(err: SandboxError): string {
  const what =
    {
      timeout: 'did not answer within its time limit',
      memory: 'ran out of memory',
      bundle: 'cannot be loaded',
    }[err.failure as string] ?? 'stopped before it answered';
  return `module "${err.path}" ${what}; try again shortly`;
}

/** Answers an error as JSON naming what was wrong; what is not the caller's fault is logged, not shown. */
function reply(res: Response, err: unknown, where?: string): void {
  try {
    if (res.headersSent) return void res.end();
    if (err instanceof Refusal) return send(res, err.status, err.body ?? JSON.stringify({ error: 'refused' }));
    const status = statusOf(err);
    if (err instanceof RouteError) for (const [name, value] of Object.entries(err.headers)) res.set(name, value);
    if (status >= 500) {
      log.error({ err, route: where }, 'module route failed');
      if (err instanceof SandboxError && status === 503)
        return send(res, status, JSON.stringify({ error: unavailableModule(err), code: err.code }));
      const message =
        status === 503 ? 'the platform is unavailable; try again shortly' : 'the module failed to handle this request';
      return send(res, status, JSON.stringify({ error: message, code: status === 503 ? 'unavailable' : 'internal' }));
    }
    if (err instanceof SandboxError && err.thrown)
      return send(res, status, JSON.stringify({ error: err.thrown.message, code: err.thrown.code, path: err.thrown.path }));
    const e = err as PlinthError;
    send(res, status, JSON.stringify({ error: e.message, code: e.code, ...(e.path !== undefined && { path: e.path }) }));
  } catch (failure) {
    log.error({ err: failure, route: where }, 'module route could not answer');
    res.destroy();
  }
}
