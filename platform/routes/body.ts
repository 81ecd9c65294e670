import type { Request } from 'express';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../http/json-depth.js';
import { describeErrors, type VendorSchemas } from '../manifests/index.js';
import { RouteError } from './errors.js';

/** The largest body a module route accepts. */
export const MAX_BODY_BYTES = 64 * 1024;

const tooLarge = () =>
  new RouteError(413, 'body_too_large', `the body is larger than ${MAX_BODY_BYTES / 1024} KB, the most a module route accepts`);

/**
 * The raw body, read only when it is JSON, uncompressed and within the size limit; an empty
 * buffer when the request has none. Refused early, from the headers, where they tell.
 */
export async function readBody(req: Request): Promise<Buffer> {
  const length = req.get('content-length');
  const chunked = req.get('transfer-encoding') !== undefined;
  if (!chunked && (length === undefined || length === '0')) return Buffer.alloc(0);
  if (!req.is('application/json')) {
    throw new RouteError(
      415,
      'unsupported_media_type',
      `the body must be JSON (Content-Type: application/json), not "${req.get('content-type') ?? 'none'}"`,
      'Content-Type',
    );
  }
  const encoding = (req.get('content-encoding') ?? 'identity').toLowerCase();
  if (encoding !== 'identity')
    throw new RouteError(415, 'unsupported_media_type', `a body encoded as "${encoding}" is not accepted`, 'Content-Encoding');
  if (length !== undefined && Number(length) > MAX_BODY_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    // Not destroyed on the way out: a body too large is answered 413, not cut off with the connection.
    for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) throw tooLarge();
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof RouteError) throw err;
    throw new RouteError(400, 'incomplete_body', 'the body ended before it was whole', 'body');
  }
  return Buffer.concat(chunks);
}

/** The body as JSON (refused unparsed when nested too deep), checked against the route's schema when it declares one. */
export function parseBody(raw: Buffer, schema: object | undefined, schemas: VendorSchemas): unknown {
  let body: unknown;
  if (raw.length > 0) {
    if (nestedDeeperThan(raw)) {
      throw new RouteError(
        400,
        'body_too_deep',
        `body: arrays and objects are nested deeper than ${MAX_JSON_DEPTH} levels, the most a module route accepts`,
        'body',
      );
    }
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      throw new RouteError(400, 'invalid_json', `the body is not valid JSON: ${(err as Error).message}`, 'body');
    }
  }
  if (!schema) return body;
  if (body === undefined) throw new RouteError(400, 'invalid_input', 'body: this route needs a JSON body', 'body');
  const compiled = schemas.compile(schema);
  if ('error' in compiled) throw new Error(`the route's body schema ${compiled.error}`);
  if (!compiled.validate(body)) {
    const problems = describeErrors(compiled.validate.errors, 'body');
    throw new RouteError(400, 'invalid_input', problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems[0]?.path);
  }
  return body;
}
