import { STATUS_CODES } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { ValidationError } from '../errors/index.js';
import { log } from '../log/index.js';
import { errorAnswer } from './error-status.js';

/** One input at fault: a query or path parameter by `name`, a body member by JSON `pointer`. */
export interface ProblemInput {
  name?: string;
  pointer?: string;
  detail: string;
}

/**
 * An RFC 9457 problem: `about:blank` as its type, so its title is the status's own phrase; the
 * platform's error `code` beside it, for programs; for a 400, the inputs at fault.
 */
export interface Problem {
  type: 'about:blank';
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: ProblemInput[];
}

/** A request refused for one or more inputs at once: body members by JSON pointer, parameters by name. */
export class InvalidInputError extends ValidationError {
  constructor(readonly inputs: ProblemInput[]) {
    super(
      inputs.every((i) => i.name === undefined) ? 'body' : 'request',
      inputs.map((i) => `${i.name ?? (i.pointer || '(the whole body)')}: ${i.detail}`).join('; '),
    );
  }
}

export const PROBLEM_TYPE = 'application/problem+json';

/**
 * What to answer an error with as a problem: the status, the words and the headers the error
 * table gives it (error-status.ts). A 400's (or a 422's) path names the input at fault: a JSON pointer when
 * it starts with `/`, a parameter's name otherwise.
 */
export function problemOf(err: unknown): { status: number; body: Problem; headers: Record<string, string> } {
  const { status, body, headers } = errorAnswer(err);
  const at = (status === 400 || status === 422) && body.path !== undefined ? body.path : undefined;
  const input: ProblemInput | undefined =
    at === undefined ? undefined : at.startsWith('/') ? { pointer: at, detail: body.error } : { name: at, detail: body.error };
  const inputs = err instanceof InvalidInputError ? err.inputs : input && [input];
  return {
    status,
    headers,
    body: {
      type: 'about:blank',
      title: STATUS_CODES[status] ?? 'Error',
      status,
      detail: body.error,
      code: body.code,
      ...(inputs && { errors: inputs }),
    },
  };
}

/** Sends an error as a problem; what is not the caller's fault is logged, with `where` it happened. */
export function sendProblem(res: Response, err: unknown, where: string): void {
  const { status, body, headers } = problemOf(err);
  if (status >= 500) log.error({ err }, `${where} failed`);
  res.status(status).set(headers).type(PROBLEM_TYPE).send(JSON.stringify(body));
}

/** An Express error handler answering with problems. */
export function answerProblems(where: string) {
  return (err: unknown, _req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) return next(err);
    sendProblem(res, err, where);
  };
}
