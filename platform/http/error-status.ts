import type { NextFunction, Request, Response } from 'express';
import {
  AccessError,
  ConflictError,
  DatabaseUnavailableError,
  HierarchyError,
  NotFoundError,
  PlinthError,
  StaleRequestError,
  ValidationError,
} from '../errors/index.js';
import { ChangeRefusedError } from '../api/errors.js';
import { EventError } from '../events/errors.js';
import { CapabilityError, GatewayError, GatewayProviderError, ModuleNotEnabledError } from '../gateway/errors.js';
import { log } from '../log/index.js';
import { ManifestError, SignatureError } from '../manifests/errors.js';
import { RecordFileError } from '../records/errors.js';
import { LifecycleError, PublisherError } from '../registry/errors.js';
import { RouteError } from '../routes/errors.js';
import { NetworkError, SandboxError } from '../sandbox/errors.js';
import { SqlPolicyError } from '../sql-guard/errors.js';

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * The HTTP status of each typed error. A class not named here takes its nearest ancestor's
 * status. 4xx is the caller's fault, and its message is theirs to read; 5xx is the platform's,
 * a module's or a provider's, and its message stays in the server log.
 */
export const ERROR_STATUSES: ReadonlyMap<ErrorClass, number> = new Map<ErrorClass, number>([
  [ValidationError, 400],
  [ManifestError, 400],
  [SignatureError, 400],
  [AccessError, 403],
  // The id is another publisher's: the caller may not publish under it.
  [PublisherError, 403],
  [NotFoundError, 404],
  // Not enabled in the workspace asked for: to the caller, there is no such module there.
  [ModuleNotEnabledError, 404],
  [ConflictError, 409],
  // Well formed, and the module whose table it writes says no (its onChange).
  [ChangeRefusedError, 422],
  [HierarchyError, 409],
  [StaleRequestError, 409],
  // A lifecycle step the module's state does not allow (not installed, a dependency or subscription missing).
  [LifecycleError, 409],
  // A module's own mistakes, whoever called it.
  [CapabilityError, 500],
  [EventError, 500],
  [GatewayError, 500],
  [SqlPolicyError, 500],
  [NetworkError, 500],
  [RecordFileError, 500],
  [GatewayProviderError, 502],
  [DatabaseUnavailableError, 503],
  // Refined per instance by `statusOf`: a module that failed to answer, or a refusal it passed on.
  [SandboxError, 500],
  [PlinthError, 500],
]);

/**
 * Refusals of the platform a module's code may let through, still the fault of whoever sent the
 * input (a handler could answer any status itself; this adds no power).
 */
const PASSED_ON: Readonly<Record<string, number>> = { invalid_input: 400, not_found: 404, conflict: 409 };

/** What an error is answered with: its status, the JSON body, and any headers (a 429's Retry-After). */
export interface ErrorAnswer {
  status: number;
  body: { error: string; code: string; path?: string };
  headers: Record<string, string>;
}

/** The words of an answer the caller is not told the cause of. */
export interface ServerFaultWords {
  /** For a 500: what failed, as the caller sees it. */
  internal?: string;
}

const INTERNAL = 'the server could not answer this request; the error is in its log';
const UNAVAILABLE = 'the platform is unavailable; try again shortly';
const BAD_GATEWAY = 'a provider answered what its gateway refuses; try again later';

/** The status of an error as the table says, and for a module's failure, as what failed. */
export function statusOf(err: unknown): number {
  if (err instanceof RouteError) return err.status;
  if (err instanceof SandboxError) {
    if (err.failure !== 'code') return 503; // out of time or memory, or not loaded: it may answer later
    return (err.thrown?.code && PASSED_ON[err.thrown.code]) || 500;
  }
  if (err instanceof Error) {
    for (let proto = Object.getPrototypeOf(err) as object | null; proto; proto = Object.getPrototypeOf(proto) as object | null) {
      const status = ERROR_STATUSES.get(proto.constructor as ErrorClass);
      if (status !== undefined) return status;
    }
  }
  return bodyParserFault(err)?.status ?? 500;
}

/** What to answer an error with; only a 4xx tells the error's own message. */
export function errorAnswer(err: unknown, words: ServerFaultWords = {}): ErrorAnswer {
  const status = statusOf(err);
  const headers = err instanceof RouteError ? err.headers : {};
  if (err instanceof SandboxError) {
    if (status === 503) return { status, headers, body: { error: unavailableModule(err), code: err.code } };
    if (status < 500 && err.thrown) {
      const { message, code, path } = err.thrown; // a code of PASSED_ON: statusOf found it there
      return { status, headers, body: { error: message, code: code!, ...(path !== undefined && { path }) } };
    }
  }
  if (status === 503) return { status, headers, body: { error: UNAVAILABLE, code: 'unavailable' } };
  if (status === 502) return { status, headers, body: { error: BAD_GATEWAY, code: 'bad_gateway' } };
  if (status >= 500) return { status, headers, body: { error: words.internal ?? INTERNAL, code: 'internal' } };
  if (err instanceof PlinthError)
    return { status, headers, body: { error: err.message, code: err.code, ...(err.path !== undefined && { path: err.path }) } };
  const parser = bodyParserFault(err)!;
  return { status, headers, body: { error: parser.message, code: parser.code } };
}

/**
 * An Express error handler answering by the table as JSON; what is not the caller's fault is
 * logged, with `where` it happened.
 */
export function answerErrors(where: string) {
  return (err: unknown, _req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) return next(err);
    const { status, body, headers } = errorAnswer(err);
    if (status >= 500) log.error({ err }, `${where} failed`);
    res.status(status).set(headers).json(body);
  };
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

/** A body the JSON parser refused, told in its own words where they are meant for the caller (`expose`). */
function bodyParserFault(err: unknown): { status: number; code: string; message: string } | undefined {
  const e = err as { type?: unknown; status?: unknown; expose?: unknown; limit?: unknown; message?: unknown };
  if (typeof e?.type !== 'string' || typeof e.status !== 'number' || e.status < 400 || e.status >= 500 || e.expose !== true)
    return undefined;
  if (e.type === 'entity.parse.failed')
    return { status: 400, code: 'invalid_json', message: `the body is not JSON: ${String(e.message)}` };
  if (e.type === 'entity.too.large')
    return { status: 413, code: 'too_large', message: `the body is larger than ${Math.floor(Number(e.limit) / 1024)} kB` };
  return { status: e.status, code: e.type.replaceAll('.', '_'), message: String(e.message) };
}
