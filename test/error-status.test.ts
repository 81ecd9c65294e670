import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import express, { type Request, type Response } from 'express';
import { RoleError } from '../platform/admin/studio/errors.js';
import { FilterError } from '../platform/admin/filter-conditions.js';
import {
  AccessError,
  ConflictError,
  DatabaseUnavailableError,
  HierarchyError,
  NotFoundError,
  PlinthError,
  StaleRequestError,
  ValidationError,
} from '../platform/errors/index.js';
import { EventError } from '../platform/events/index.js';
import { CapabilityError, GatewayError, GatewayProviderError, ModuleNotEnabledError } from '../platform/gateway/index.js';
import { ERROR_STATUSES, errorAnswer, statusOf } from '../platform/http/index.js';
import { ManifestError, SignatureError } from '../platform/manifests/index.js';
import { RecordFileError } from '../platform/records/index.js';
import { LifecycleError, PublisherError } from '../platform/registry/index.js';
import { RouteError } from '../platform/routes/index.js';
import { NetworkError, SandboxError } from '../platform/sandbox/index.js';
import { SqlPolicyError } from '../platform/sql-guard/index.js';

/** What express.json() refuses a body with, for a body of `text` and a limit of `limit`. */
function parserError(text: string, limit = '1kb'): Promise<unknown> {
  const req = Object.assign(Readable.from([Buffer.from(text)]), {
    headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) },
  });
  return new Promise((resolve) =>
    express.json({ limit })(req as unknown as Request, {} as Response, (err?: unknown) => resolve(err)),
  );
}

describe('the HTTP status of each error', () => {
  const caller: [PlinthError, number][] = [
    [new ValidationError('/list/1', '"nope" is not a property'), 400],
    [new FilterError('filters.createdAt', 'is not a date'), 400],
    [new ManifestError('plugin.json', [{ path: '/id', message: 'must match pattern' }]), 400],
    [new SignatureError('tally.tgz', 'it was changed after signing'), 400],
    [new AccessError('only an owner may do this', 'st-a'), 403],
    [new RoleError('st-a', 'layouts'), 403],
    [new PublisherError('tally', 'belongs to another publisher'), 403],
    [new NotFoundError('contact', 'c-1'), 404],
    [new ModuleNotEnabledError('tally', 'st-a'), 404],
    [new ConflictError('slug', 'is taken'), 409],
    [new HierarchyError('st-a', 'would be its own ancestor'), 409],
    [new StaleRequestError(), 409],
    [new LifecycleError('tally', 'is not enabled in workspace "st-a"'), 409],
    [new RouteError(429, 'rate_limited', 'too many requests', undefined, { 'Retry-After': '7' }), 429],
  ];

  it("answers the caller's faults with their own message, code and path", () => {
    for (const [err, status] of caller) {
      const answer = errorAnswer(err);
      assert.equal(answer.status, status, err.name);
      assert.equal(answer.body.error, err.message, err.name);
      assert.equal(answer.body.code, err.code, err.name);
      assert.equal(answer.body.path, err.path, err.name);
    }
    assert.deepEqual(errorAnswer(caller.at(-1)![0]).headers, { 'Retry-After': '7' });
  });

  const server: [Error, number, string][] = [
    [new CapabilityError('tally', 'contacts:write', 'write contacts'), 500, 'internal'],
    [new EventError('tally.noted', 'is not declared'), 500, 'internal'],
    [new GatewayError('sms', 'is not a dependency'), 500, 'internal'],
    [new SqlPolicyError('relation "users" is outside the module\'s schema', 15), 500, 'internal'],
    [new NetworkError('refused', 'tally', 'may not reach 10.0.0.1'), 500, 'internal'],
    [new RecordFileError('themes/dark.json', [{ path: '/key', message: 'is required' }]), 500, 'internal'],
    [new PlinthError('name_too_long', 'role name secret_prefix_mod_tally_owner is too long'), 500, 'internal'],
    [new SandboxError('code', 'tally', 'threw: secret detail'), 500, 'internal'],
    [new Error('connect ECONNREFUSED 10.1.2.3:5432'), 500, 'internal'],
    [new GatewayProviderError('sms', 'twilio', '/sid: must be string'), 502, 'bad_gateway'],
    [new DatabaseUnavailableError('password authentication failed for user "plinth"'), 503, 'unavailable'],
  ];

  it("answers the server's, a module's or a provider's faults without their message", () => {
    for (const [err, status, code] of server) {
      const answer = errorAnswer(err);
      assert.equal(answer.status, status, err.message);
      assert.equal(answer.body.code, code, err.message);
      assert.notEqual(answer.body.error, err.message);
      assert.equal(answer.body.path, undefined);
    }
    assert.equal(
      errorAnswer(new Error('x'), { internal: 'the module failed to handle this request' }).body.error,
      'the module failed to handle this request',
    );
  });

  it("passes on the caller's fault a module let through, and says which limit a module ran into", () => {
    const passed = new SandboxError('code', 'tally', 'threw', {
      message: 'email: "x" is not an email',
      code: 'invalid_input',
      path: 'email',
    });
    assert.deepEqual(errorAnswer(passed).body, { error: 'email: "x" is not an email', code: 'invalid_input', path: 'email' });
    assert.equal(statusOf(passed), 400);
    const own = new SandboxError('code', 'tally', 'threw', { message: 'a lock key is a string', code: 'invalid_lock' });
    assert.equal(statusOf(own), 500, "a refusal of the module's own use of the platform is the module's fault");
    const slow = errorAnswer(new SandboxError('timeout', 'tally', 'ran past 500 ms'));
    assert.equal(slow.status, 503);
    assert.deepEqual(slow.body, {
      error: 'module "tally" did not answer within its time limit; try again shortly',
      code: 'sandbox_timeout',
    });
  });

  it('refuses a body that is not JSON with 400, and one over the limit with 413', async () => {
    const broken = errorAnswer(await parserError('{"list": ['));
    assert.equal(broken.status, 400);
    assert.match(broken.body.error, /^the body is not JSON: /);
    const large = errorAnswer(await parserError(JSON.stringify({ logo: 'x'.repeat(2000) })));
    assert.deepEqual([large.status, large.body.error], [413, 'the body is larger than 1 kB']);
  });

  it('has a status of its own, or of a parent other than PlinthError, for every error class the platform exports', async () => {
    const folders = ['admin', 'admin/studio', 'config', 'db', 'entities', 'errors', 'events', 'gateway', 'http', 'manifests'];
    folders.push('markup', 'records', 'registry', 'routes', 'sandbox', 'seed', 'sql-guard', 'worker');
    const exported = new Set<unknown>();
    for (const folder of folders)
      for (const value of Object.values(await import(`../platform/${folder}/index.js`)))
        if (typeof value === 'function' && value.prototype instanceof PlinthError) exported.add(value);
    exported.add(FilterError);
    exported.delete(RouteError); // each carries the status it is answered with
    assert.ok(exported.size >= 20, `found ${exported.size} error classes`);
    for (const cls of exported as Set<typeof PlinthError>) {
      let ruled: unknown = cls;
      while (!ERROR_STATUSES.has(ruled as typeof PlinthError)) ruled = Object.getPrototypeOf(ruled);
      assert.notEqual(ruled, PlinthError, `${cls.name} has no status of its own in ERROR_STATUSES`);
    }
  });
});
