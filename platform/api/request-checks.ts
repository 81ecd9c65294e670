import type { Request, Response } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import { InvalidInputError, type ProblemInput } from '../http/problem.js';
import { RouteError } from '../routes/index.js';
import { openApiDocument } from './openapi.js';
import type { ApiWorkspace } from './workspace.js';

type Handlers = ReturnType<typeof OpenApiValidator.middleware>;

/** Documents whose checks are kept: one per workspace and set of enabled module versions, within reason. */
const KEPT = 200;

interface ValidatorError {
  status?: number;
  message?: string;
  errors?: { path: string; message: string }[];
}

/** A validator's `/query/limit`, `/query/stage.in/1`, `/body/emails/0`: a parameter by name, a body member by pointer. */
function inputOf({ path, message }: { path: string; message: string }): ProblemInput {
  const [, where = '', ...rest] = path.split('/');
  if (where === 'body') return { pointer: rest.length > 0 ? `/${rest.join('/')}` : '', detail: message };
  return { name: rest[0] ?? where, detail: message };
}

/**
 * Every request checked against the workspace's own OpenAPI document, by express-openapi-validator:
 * its parameters (unknown ones refused), their types, its body. The document is generated
 * (openapi.ts), so what is checked is what the reference shows. A path the document lacks is left
 * to the router, which answers it in its own words (a module not enabled here, say).
 */
export class RequestChecks {
  private readonly byKey = new Map<string, Handlers>();

  async check(workspace: ApiWorkspace, req: Request, res: Response): Promise<void> {
    // The validator sets the request's path parameters to its own match (the document's paths start after the workspace).
    const params = req.params;
    try {
      await this.run(workspace, req, res);
    } finally {
      req.params = { ...req.params, ...params };
    }
  }

  private async run(workspace: ApiWorkspace, req: Request, res: Response): Promise<void> {
    for (const handler of this.handlersOf(workspace)) {
      const err = await new Promise<unknown>((resolve) => {
        const run = handler(req, res, resolve) as unknown;
        if (run instanceof Promise) run.catch(resolve);
      });
      if (!err) continue;
      const { status, message, errors } = err as ValidatorError;
      if (status === 404 || status === 405) return;
      if (status === 400) throw new InvalidInputError((errors ?? []).map(inputOf));
      if (status === 413 || status === 415) throw new RouteError(status, 'unsupported_body', message ?? 'the body is refused');
      throw err instanceof Error ? err : new Error(`the request checks failed: ${String(message)}`);
    }
  }

  document(workspace: ApiWorkspace): Record<string, unknown> {
    return openApiDocument(workspace);
  }

  private handlersOf(workspace: ApiWorkspace): Handlers {
    const key = [workspace.slug, workspace.name, ...workspace.modules.map((m) => m.id)].join('\u0000');
    let handlers = this.byKey.get(key);
    if (!handlers) {
      if (this.byKey.size >= KEPT) this.byKey.clear();
      handlers = OpenApiValidator.middleware({
        apiSpec: this.document(workspace) as never,
        // Every input at fault at once; a body is at most 64 kB (index.ts), which bounds what that costs.
        validateRequests: { allowUnknownQueryParameters: false, allErrors: true },
        validateResponses: false,
        validateSecurity: false,
        validateApiSpec: false,
        $refParser: { mode: 'bundle' },
      });
      this.byKey.set(key, handlers);
    }
    return handlers;
  }
}
