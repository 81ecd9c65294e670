import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { PluginManifest } from '../platform/manifests/index.js';
import { DEFAULT_RATE_LIMITS, RouteSecrets, sign } from '../platform/routes/index.js';
import { freshDatabase, onServer, rowCounts, type TestDatabase } from './support/database.js';
import { expectRefused, routeServer, subscribe, type RouteServer } from './support/modules.js';
import { actor, testPlatform, type TestPlatform } from './support/platform.js';

type Route = NonNullable<PluginManifest['routes']>[number];

const MODULES = ['knowledge', 'contact-forms', 'chat', 'voice', 'logiclegal'];

/**
 * Every public endpoint of the first-party modules, read from their manifests, gets the same bad
 * input: a wrong content type, an oversized body, broken JSON, a body against its schema, an
 * unknown workspace, a missing signature where it is signed, a flood. Each is refused with a 4xx
 * naming what was wrong, and nothing is written anywhere.
 */
describe(`bad input on every public endpoint of the modules (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let p: TestPlatform;
  let http: RouteServer;
  let tables: string[];
  let secret: string;
  const routes: { module: string; route: Route }[] = [];
  let address = 10;

  const refused = (send: (from: string) => Promise<Response>, status: number, mention: RegExp) => {
    const from = `127.0.1.${address++}`;
    return expectRefused(
      () => rowCounts(t.db, tables),
      () => send(from),
      status,
      mention,
    );
  };
  /** A concrete path for a route: the test workspace (or the one given), and made-up values for its other parameters. */
  const pathOf = (module: string, route: Route, workspace = 'firm') =>
    `/m/${module}${route.path.replace(/:([A-Za-z_]+)/g, (_, name: string) => (name === 'workspace' ? workspace : randomUUID()))}`;
  const signed = (raw: string): Record<string, string> => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    return { 'x-plinth-timestamp': timestamp, 'x-plinth-signature': sign(secret, timestamp, raw) };
  };
  /** The headers a well-formed request to the route carries, so that only the fault under test is wrong. */
  const valid = (route: Route, raw: string) => (route.auth === 'hmac' ? signed(raw) : {});

  before(async () => {
    t = await freshDatabase();
    p = testPlatform(t);
    const firm = await t.entities.workspaces.create({ slug: 'firm', name: 'Firm' });
    await subscribe(t, firm.id, MODULES);
    await p.marketplace.registry.registerBundled();
    for (const id of MODULES) {
      await p.marketplace.lifecycle.install(id, undefined, actor);
      await p.marketplace.lifecycle.enable(id, 'firm', undefined, actor);
      const manifest = (await p.marketplace.registry.installed(id))!.manifest;
      for (const route of manifest.routes ?? []) routes.push({ module: id, route });
    }
    secret = await new RouteSecrets(t.db, t.entities, p.marketplace.registry).issue('voice', 'firm');
    const schemas = await t.db.unit({ role: 'connection' }, () =>
      t.db.rows<{ name: string }>(
        "SELECT table_schema || '.' || table_name AS name FROM information_schema.tables WHERE table_schema LIKE 'mod\\_%'",
      ),
    );
    tables = [...schemas.map((s) => s.name), 'contacts', 'events', 'route_secrets'];
    http = await routeServer(t, p);
  });
  after(async () => {
    http?.close();
    await t.drop();
  });

  it('finds the endpoints in the manifests: forms, chat and signed calls', () => {
    assert.deepEqual(
      routes.map((r) => `${r.module} ${r.route.method} ${r.route.path} ${r.route.auth}`),
      [
        'contact-forms POST /:workspace/:form public',
        'chat POST /:workspace/conversations public',
        'chat POST /:workspace/conversations/:conversation/messages public',
        'voice POST /:workspace/calls hmac',
      ],
    );
  });

  it('refuses a body that is not JSON by its content type (415)', async () => {
    for (const { module, route } of routes) {
      await refused(
        (from) => http.post(pathOf(module, route), 'a=1', { 'content-type': 'text/plain', ...valid(route, 'a=1') }, from),
        415,
        /must be JSON/,
      );
    }
  });

  it('refuses an oversized body (413)', async () => {
    const raw = JSON.stringify({ padding: 'x'.repeat(70 * 1024) });
    for (const { module, route } of routes)
      await refused((from) => http.post(pathOf(module, route), raw, valid(route, raw), from), 413, /larger than 64 KB/);
  });

  it('refuses broken JSON (400)', async () => {
    for (const { module, route } of routes)
      await refused((from) => http.post(pathOf(module, route), '{"a": ', valid(route, '{"a": '), from), 400, /not valid JSON/);
  });

  it("refuses a body against the route's schema, naming the JSON path (400)", async () => {
    const raw = JSON.stringify({ unexpected: true });
    for (const { module, route } of routes)
      await refused((from) => http.post(pathOf(module, route), raw, valid(route, raw), from), 400, /^body: /);
  });

  it('refuses an unknown workspace (404)', async () => {
    for (const { module, route } of routes)
      await refused(
        (from) => http.post(pathOf(module, route, 'nowhere'), '{}', {}, from),
        404,
        /not available in workspace "nowhere"/,
      );
  });

  it('refuses a signed route without its signature, or with a stale one (401)', async () => {
    const hmac = routes.filter((r) => r.route.auth === 'hmac');
    assert.ok(hmac.length > 0);
    const raw = JSON.stringify({ event: 'call.started', callId: 'CA-1', from: '+14155550100' });
    for (const { module, route } of hmac) {
      await refused((from) => http.post(pathOf(module, route), raw, {}, from), 401, /X-Plinth-Timestamp header is missing/);
      const stale = String(Math.floor(Date.now() / 1000) - 600);
      const headers = { 'x-plinth-timestamp': stale, 'x-plinth-signature': sign(secret, stale, raw) };
      await refused((from) => http.post(pathOf(module, route), raw, headers, from), 401, /more than 5 minutes/);
    }
  });

  it('refuses a flood past the rate limit (429)', async () => {
    for (const { module, route } of routes) {
      const limit = route.rateLimit ?? DEFAULT_RATE_LIMITS[route.auth as 'public' | 'hmac'];
      const from = `127.0.2.${address++}`;
      for (let i = 0; i < limit.max; i++) assert.notEqual((await http.post(pathOf(module, route), '{', {}, from)).status, 429);
      await expectRefused(
        () => rowCounts(t.db, tables),
        () => http.post(pathOf(module, route), '{}', {}, from),
        429,
        new RegExp(`at most ${limit.max} per ${limit.windowSeconds} s`),
      );
    }
  });
});
