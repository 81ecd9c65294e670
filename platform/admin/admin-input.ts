import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import parseForm from 'express-formidable';
import { ValidationError } from '../errors/index.js';
import { errorAnswer } from '../http/error-status.js';
import { MAX_JSON_DEPTH, refuseDeepJson } from '../http/json-depth.js';

/** The largest JSON body an admin action takes; AdminJS's own screens post forms, not JSON. */
const JSON_LIMIT = '1mb';
/** The most field data a form may carry: as much as a JSON body. */
const FORM_LIMIT = 1024 * 1024;

/** Names every object has (`__proto__`, `constructor`, `toString`). */
const INHERITED = new Set(Object.getOwnPropertyNames(Object.prototype));

/**
 * What is wrong with a key AdminJS would be given, or null. AdminJS unflattens keys into objects
 * on their dots (`emails.0`; `leadScore~~from` in filters), so `__proto__.x` or
 * `constructor.prototype.x` would write into what every object inherits; and it looks keys up in
 * plain objects, where `constructor` finds a function instead of a property. A key of thousands
 * of parts would nest as deep as a deep JSON body.
 */
function keyProblem(key: string): string | null {
  const parts = key.split(/\.|~~/);
  const inherited = parts.find((part) => INHERITED.has(part));
  if (inherited) return `"${inherited}" is a name every object inherits: no field or parameter may use it`;
  return parts.length > MAX_JSON_DEPTH ? `a name has at most ${MAX_JSON_DEPTH} parts` : null;
}

/** The first key refused among `keys`, as an error naming it (cut short when very long). */
function refusedKey(keys: Iterable<string>): ValidationError | undefined {
  for (const key of keys) {
    const problem = keyProblem(key);
    if (problem) return new ValidationError(key.length > 100 ? `${key.slice(0, 100)}…` : key, problem);
  }
}

/** Every key of a JSON value as AdminJS flattens them (`a.b.0`); the value is no deeper than MAX_JSON_DEPTH. */
function* flatKeys(value: unknown, prefix = ''): Generator<string> {
  if (value === null || typeof value !== 'object') return;
  for (const [key, inner] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    yield path;
    yield* flatKeys(inner, path);
  }
}

/** A body that could not be read, as the caller's fault; a failure of the server's own (a full disk) stays one. */
function unreadable(err: unknown): unknown {
  if (err instanceof ValidationError) return err;
  const e = err as Error & { type?: string; status?: number; code?: string };
  if (e.type === 'entity.parse.failed') return new ValidationError('body', `is not valid JSON: ${e.message}`);
  if (e.type === 'entity.too.large')
    return new ValidationError('body', `is larger than ${JSON_LIMIT}, the most an admin action takes`);
  // body-parser's errors carry the status they deserve; formidable's parse errors carry no code, system errors do.
  const callersFault = e.status === undefined ? e.code === undefined : e.status < 500;
  return callersFault ? new ValidationError('body', e.message) : err;
}

/** Calls `next` once: formidable reports an error both as an event and to its callback. */
function once(next: NextFunction): NextFunction {
  let called = false;
  return (err?: unknown) => {
    if (called) return;
    called = true;
    next(err);
  };
}

/**
 * No admin action takes a file today: a file part is refused as it begins, before formidable
 * opens anything on disk (its own `handlePart` would write it to a temporary file that nothing
 * removes). Fields are parsed as formidable parses them.
 */
function onPart(
  this: { handlePart(part: unknown): void; _error(err: unknown): void },
  part: { name: string; filename?: string },
) {
  if (part.filename === undefined) return this.handlePart(part);
  this._error(new ValidationError(part.name || 'body', 'this action takes no files'));
}

/**
 * The input of AdminJS's routes, refused (a ValidationError, answered by `answerBadInput`) before
 * AdminJS reads any of it: query keys on every request; on a POST, a role that may change
 * nothing (before a byte of the body is read), a body that is a file, the body's field names,
 * and a JSON body nested too deep. Forms are parsed by formidable into `req.fields` (and an
 * always empty `req.files`), as AdminJS expects; a JSON body (which formidable would parse
 * whole, unchecked) by Express.
 */
export function adminInput({ editor }: { editor: boolean }): RequestHandler {
  // formidable drops a field named `__proto__` from its fields without a trace: its names are heard as they come.
  const names = new WeakMap<Request, string[]>();
  const heard = (req: Request, _res: Response, _next: NextFunction, name: unknown) => {
    if (!names.has(req)) names.set(req, []);
    names.get(req)!.push(String(name));
  };
  const form = parseForm({ onPart, maxFieldsSize: FORM_LIMIT, maxFields: 1000 }, [{ event: 'field', action: heard }]);
  const json = express.json({ limit: JSON_LIMIT, type: () => true, verify: refuseDeepJson });
  return (req, res, next) => {
    const query = refusedKey(Object.keys(req.query));
    if (query) return next(query);
    if (req.method !== 'POST') return next();
    if (!editor) return void res.status(403).json({ error: 'your role here lets you read, not change anything' });
    const type = req.get('content-type') ?? '';
    // formidable writes such a body to a temporary file whole, whatever else the type says.
    if (/octet-stream/i.test(type)) return next(new ValidationError('Content-Type', 'this action takes no files'));
    // Which bodies formidable takes as JSON: any type naming it, unless a form type comes first.
    if (/json/i.test(type) && !/octet-stream|urlencoded|multipart/i.test(type)) {
      return json(req, res, (err?: unknown) => {
        if (err) return next(unreadable(err));
        const fields: unknown = req.body ?? {}; // none sent
        if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) {
          return next(new ValidationError('body', 'must be a JSON object of fields'));
        }
        const refused = refusedKey(flatKeys(fields));
        if (refused) return next(refused);
        Object.assign(req, { fields, files: {} });
        next();
      });
    }
    form(
      req,
      res,
      once((err?: unknown) => next(err ? unreadable(err) : refusedKey(names.get(req) ?? []))),
    );
  };
}

/** Input refused by `adminInput` or by a resource (a filter it cannot answer): 400 by the one table, naming the field. */
export function answerBadInput(err: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (!(err instanceof ValidationError) || res.headersSent) return next(err);
  const { status, body } = errorAnswer(err);
  res.status(status).json(body);
}
