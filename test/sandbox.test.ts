import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { SandboxError } from '../platform/sandbox/index.js';
import { adminApp, AdminClient, serveLocally } from './support/admin.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { routeServer, type RouteServer } from './support/modules.js';
import { testPlatform, type TestPlatform } from './support/platform.js';
import { pluginDir } from './support/plugins.js';

const PASSWORD = 'a long enough test password';

/** What a hostile vendor's route tries, by name: each reaches for something outside its module and workspace. */
const PROBE = `export default async function probe(request, ctx) {
  const attacks = {
    reach: () => ({
      process: typeof process,
      require: typeof globalThis.require,
      fetch: typeof fetch,
      Buffer: typeof Buffer,
      setTimeout: typeof setTimeout,
      globalProcess: typeof globalThis.process,
      viaFunction: typeof Function('return this')().process,
      viaConstructor: ({}).constructor.constructor('return typeof process')(),
    }),
    exit: () => process.exit(1),
    requireFs: () => require(request.body.attack.slice(0, 0) + 'node:fs').readFileSync('/etc/hostname', 'utf8'),
    // Built from the request, so that no bundler can see it coming.
    dynamicImport: async () => String(await import(request.body.attack.slice(0, 0) + 'node:fs')),
    spin: () => {
      for (;;) {}
    },
    spinAfterAwait: async () => {
      await ctx.query('SELECT 1 AS one');
      for (;;) {}
    },
    hang: () => new Promise(() => {}),
    allocate: () => {
      const kept = [];
      for (;;) kept.push(new Array(5e6).fill(Math.random()));
    },
    remember: () => {
      globalThis.seen = (globalThis.seen ?? []).concat(ctx.workspace.slug);
      return globalThis.seen;
    },
    // Every spelling of "let me see workspace B": each is refused, and contacts stay A's.
    spellings: async () => {
      const b = request.body.other;
      const tries = [
        ["SELECT set_config('app.workspace_id', $1, true)", [b]],
        ["SELECT pg_catalog.set_config('role', 'postgres', false)", []],
        ["SET app.workspace_id = '" + b + "'", []],
        ["SET LOCAL app.workspace_id = '" + b + "'", []],
        ['RESET ROLE', []],
        ['RESET ALL', []],
        ['SET SESSION AUTHORIZATION postgres', []],
        ['SET ROLE postgres', []],
        ["DO $$ BEGIN PERFORM set_config('app.workspace_id', '" + b + "', true); END $$", []],
        ["CREATE FUNCTION peek() RETURNS SETOF text LANGUAGE sql SECURITY DEFINER AS 'SELECT name FROM public.contacts'", []],
        ['CREATE TEMP VIEW contacts AS SELECT 1', []],
        ['SELECT name FROM public.contacts', []],
        ["SELECT query_to_xml('SELECT name FROM public.contacts', true, true, '')", []],
        ["SELECT 1; SELECT set_config('app.workspace_id', '" + b + "', true)", []],
        ['SELECT name FROM pg_catalog.pg_authid', []],
      ];
      const refusals = [];
      for (const [sql, values] of tries) {
        refusals.push(await ctx.query(sql, values).then(() => 'ran: ' + sql, (err) => err.message));
      }
      const seen = (await ctx.query('SELECT name FROM contacts ORDER BY name')).map((r) => r.name);
      return { refusals, seen };
    },
    crypto: async () => ({
      uuid: crypto.randomUUID(),
      digest: Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode('abc'))))
        .map((b) => b.toString(16).padStart(2, '0'))
        .join(''),
    }),
  };
  return { body: (await attacks[request.body.attack]()) ?? null };
}
`;
const CALM = `export default async function hello(request, ctx) {
  const [row] = await ctx.query('SELECT $1::text AS workspace', [ctx.workspace.slug]);
  return { body: row };
}
`;

/**
 * Vendor code runs in a sandbox of its own: a hostile plugin, published the documented way and
 * enabled in two client workspaces, tries to reach the process, the machine and the other
 * workspace, and to stall the platform. Each attempt is refused or contained, and meanwhile
 * the admin and another module's public route still answer within a second.
 */
describe(`the module sandbox (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let p: TestPlatform;
  let routes: RouteServer;
  let admin: { server: Server; base: string };
  let owner: AdminClient;

  const probe = (attack: string, workspace = 'client-a') => routes.post(`/m/rogue/${workspace}/probe`, { attack });
  const answer = async (res: Response) => ({ status: res.status, body: await res.json() });

  /** While `attack` is under way, the admin and another module answer within a second each; then the attack's answer. */
  async function duringAttack(attack: () => Promise<Response>): Promise<{ status: number; body: any }> {
    const pending = attack();
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const [what, request] of [
      ['another module', () => routes.post('/m/calm/client-b/hello', {})],
      ['the admin', () => owner.request('/admin/api/resources/contacts/actions/list')],
    ] as const) {
      const start = performance.now();
      const res = await request();
      const took = performance.now() - start;
      assert.equal(res.status, 200, `${what} answers during the attack`);
      assert.ok(took < 1000, `${what} answered in ${Math.round(took)} ms during the attack`);
    }
    return answer(await pending);
  }

  before(async () => {
    t = await freshDatabase();
    p = testPlatform(t);
    for (const slug of ['client-a', 'client-b']) await t.entities.workspaces.create({ slug, name: slug });
    await t.entities.users.create({ email: 'owner@client-b.test', password: PASSWORD });
    await t.entities.users.grant({ email: 'owner@client-b.test', workspace: 'client-b', role: 'owner' });
    const route = (handler: string, path: string) => ({ method: 'POST', path, handler, auth: 'public' });
    await p.add(
      pluginDir(
        'rogue',
        (m) => {
          m.capabilities.requires = ['contacts:read'];
          m.limits = { timeoutMs: 500, memoryMb: 32 };
          m.routes = [
            {
              ...route('handlers/probe.js', '/:workspace/probe'),
              rateLimit: { max: 1000, windowSeconds: 60 },
              body: { type: 'object', properties: { attack: { type: 'string' }, other: { type: 'string' } } },
            },
          ];
        },
        { 'handlers/probe.js': PROBE },
      ),
      'rogue',
      ['client-a', 'client-b'],
    );
    await p.add(
      pluginDir(
        'calm',
        (m) =>
          void (m.routes = [{ ...route('handlers/hello.js', '/:workspace/hello'), rateLimit: { max: 1000, windowSeconds: 60 } }]),
        {
          'handlers/hello.js': CALM,
        },
      ),
      'calm',
      ['client-a', 'client-b'],
    );
    routes = await routeServer(t, p);
    admin = await serveLocally(adminApp(t, p));
    owner = new AdminClient(admin.base);
    assert.equal((await owner.post('/admin/login', { email: 'owner@client-b.test', password: PASSWORD })).status, 303);
  });
  after(async () => {
    routes?.close();
    admin?.server.close();
    p?.runtime.close();
    await t?.drop();
  });

  it('gives module code no process, require, network, timers or environment, by any path to the global', async () => {
    const { status, body } = await answer(await probe('reach'));
    assert.equal(status, 200);
    assert.deepEqual(body, {
      process: 'undefined',
      require: 'undefined',
      fetch: 'undefined',
      Buffer: 'undefined',
      setTimeout: 'undefined',
      globalProcess: 'undefined',
      viaFunction: 'undefined',
      viaConstructor: 'undefined',
    });
  });

  it('refuses a dynamic import or a require of a Node built-in; process.exit() fails the call, not the server', async () => {
    for (const attack of ['dynamicImport', 'requireFs', 'exit']) {
      const { status, body } = await answer(await probe(attack));
      assert.equal(status, 500, attack);
      assert.equal(body.code, 'internal');
    }
    assert.equal((await probe('reach')).status, 200, 'the platform and the sandbox live on');
  });

  it('stops a busy loop at the time limit with a 503 naming the module, while others answer; then serves again', async () => {
    for (const attack of ['spin', 'spinAfterAwait']) {
      const start = performance.now();
      const { status, body } = await duringAttack(() => probe(attack));
      assert.equal(status, 503, attack);
      assert.match(body.error, /module "rogue" did not answer within its time limit/);
      assert.equal(body.code, 'sandbox_timeout');
      assert.ok(performance.now() - start < 3000, `${attack} was stopped near its 500 ms limit`);
      assert.equal((await probe('reach')).status, 200, `after ${attack}, a fresh sandbox serves`);
    }
  });

  it('ends a call whose promise never settles, and gives its connection back', async () => {
    // As many hung calls at once as the platform's pool has connections (5).
    const hung = Array.from({ length: 4 }, () => probe('hang'));
    const { status, body } = await duringAttack(() => probe('hang'));
    assert.equal(status, 503);
    assert.equal(body.code, 'sandbox_timeout');
    for (const res of await Promise.all(hung)) assert.equal(res.status, 503);
    assert.equal((await probe('reach')).status, 200);
  });

  it('disposes a sandbox that outgrows its memory limit, and serves again with a fresh one', async () => {
    const { status, body } = await duringAttack(() => probe('allocate'));
    assert.equal(status, 503);
    // On the embedded database a call may go only 100 ms without a statement: that limit may come first.
    assert.match(body.error, onServer ? /module "rogue" ran out of memory/ : /module "rogue" (ran out of memory|did not answer)/);
    assert.equal((await probe('reach')).status, 200);
    // The memory limit itself, with time to reach it, on either database.
    const patient = testPlatform(t, { moduleIdleLimitMs: 5000 }).runtime;
    try {
      const workspaceId = (await t.entities.workspaces.bySlug('client-a')).id;
      await assert.rejects(
        patient.invoke('rogue', { workspaceId }, [['handlers/probe.js', [{ body: { attack: 'allocate' } }]]]),
        (err: SandboxError) => err.failure === 'memory' && /handlers\/probe\.js exceeded its memory limit/.test(err.message),
      );
      const [reach] = await patient.invoke('rogue', { workspaceId }, [['handlers/probe.js', [{ body: { attack: 'reach' } }]]]);
      assert.equal((reach as { body: { process: string } }).body.process, 'undefined', 'a fresh sandbox serves');
    } finally {
      patient.close();
    }
  });

  it('keeps what a module holds in memory for one workspace out of its sandbox for another', async () => {
    assert.deepEqual((await answer(await probe('remember', 'client-a'))).body, ['client-a']);
    assert.deepEqual((await answer(await probe('remember', 'client-b'))).body, ['client-b']);
    assert.deepEqual((await answer(await probe('remember', 'client-a'))).body, ['client-a', 'client-a']);
  });

  it('enabled in two workspaces, sees only the one it serves, through every spelling it tries', async () => {
    const [a, b] = [await t.entities.workspaces.bySlug('client-a'), await t.entities.workspaces.bySlug('client-b')];
    await t.entities.contacts.upsert(a.id, { name: 'Ada of A', emails: ['ada@a.test'], source: { module: 'plinth' } });
    await t.entities.contacts.upsert(b.id, { name: 'Bob of B', emails: ['bob@b.test'], source: { module: 'plinth' } });
    const res = await routes.post('/m/rogue/client-a/probe', { attack: 'spellings', other: b.id });
    const { status, body } = await answer(res);
    assert.equal(status, 200);
    assert.deepEqual(body.seen, ['Ada of A'], "workspace A's contacts, and nothing of B's");
    assert.equal(body.refusals.length, 15);
    for (const refusal of body.refusals as string[]) {
      assert.doesNotMatch(refusal, /^ran: /, refusal);
      assert.match(refusal, /not allowed|outside the module's schema|must be one statement|relation/, refusal);
    }
  });

  it('offers the web crypto a module needs, answered by the platform', async () => {
    const { body } = await answer(await probe('crypto'));
    assert.match(body.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(body.digest, 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('refuses to load a package that imports a Node built-in, another package or a file outside its own', async () => {
    const cases = {
      builtin: [
        "import { execSync } from 'node:child_process';",
        /imports "node:child_process": a module may import only its own files/,
      ],
      bare: ["import pg from 'pg';", /imports "pg": a module may import only its own files/],
      outside: [
        "import secret from '../../secret.json';",
        /imports "\.\.\/\.\.\/secret\.json", which (its package does not contain|is outside its package)/,
      ],
    } as const;
    for (const [name, [line, refusal]] of Object.entries(cases)) {
      const id = `bad-${name}`;
      await p.add(
        pluginDir(
          id,
          (m) => void (m.routes = [{ method: 'POST', path: '/:workspace/x', handler: 'handlers/x.js', auth: 'public' }]),
          {
            'handlers/x.js': `${line}\nexport default async function x() { return { body: String(typeof secret) } }\n`,
          },
        ),
        id,
        ['client-a'],
      );
      const { status, body } = await answer(await routes.post(`/m/${id}/client-a/x`, {}));
      assert.equal(status, 503, name);
      assert.match(body.error, new RegExp(`module "${id}" cannot be loaded`));
      await assert.rejects(
        p.runtime.invoke(id, { workspaceId: (await t.entities.workspaces.bySlug('client-a')).id }, [['handlers/x.js', []]]),
        refusal,
      );
    }
  });
});
