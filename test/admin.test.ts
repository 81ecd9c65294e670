import assert from 'node:assert/strict';
import http, { type Server } from 'node:http';
import { quoteIdent } from '../platform/db/index.js';
import { loggedError } from '../platform/log/index.js';
import { AdminClient as Client, adminApp, giveTheme, serveLocally } from './support/admin.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { testPlatform, type TestPlatform } from './support/platform.js';
import { pluginDir } from './support/plugins.js';

const PASSWORD = 'correct horse battery';

describe(`the admin: sign-in, sessions and tenant scoping (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let p: TestPlatform;
  let server: Server;
  let base: string;
  let a: { id: string; slug: string };
  let b: { id: string; slug: string };
  let contactB: string;
  let noteB: string;
  const limits = { perPair: 3, perAccount: 10, perAddress: 8, windowMs: 60_000 };

  const count = async (sql: string, params: unknown[] = []) =>
    Number((await t.db.unit({ role: 'connection' }, () => t.db.rows<{ n: string }>(sql, params)))[0].n);
  const signedIn = async (email: string) => {
    const c = new Client(base);
    const res = await c.post('/admin/login', { email, password: PASSWORD });
    assert.equal(res.status, 303, `sign-in of ${email}`);
    return c;
  };
  before(async () => {
    t = await freshDatabase();
    p = testPlatform(t);
    a = await t.entities.workspaces.create({ slug: 'adm-a', name: 'Alpha' });
    b = await t.entities.workspaces.create({ slug: 'adm-b', name: 'Beta' });
    for (const [email, ws] of [
      ['owner@a.test', a],
      ['owner@b.test', b],
      ['member@a.test', a],
    ] as const) {
      await t.entities.users.create({ email, password: PASSWORD });
      await t.entities.users.grant({ email, workspace: ws.slug, role: email.startsWith('member') ? 'member' : 'owner' });
    }
    await p.add(pluginDir('jotter'), 'jotter', [a.slug, b.slug]);
    await p.add(pluginDir('hidden'), 'hidden', [b.slug]);
    await t.entities.contacts.upsert(a.id, { name: 'Ada Alpha', emails: ['ada@a.test'], source: { module: 'plinth' } });
    contactB = (
      await t.entities.contacts.upsert(b.id, { name: 'Bea Beta', emails: ['bea@b.test'], source: { module: 'plinth' } })
    ).contact.id;
    noteB = await p.runtime.run('jotter', { workspaceId: b.id }, async (ctx) => {
      const row = await ctx.models.notes.create({ title: 'secret of B' });
      return String(row.get('id'));
    });
    await giveTheme(t, a.id, { branding: { companyName: 'Alpha Agency' } });
    await giveTheme(t, b.id, { branding: { companyName: 'Beta Brokers' } });
    ({ server, base } = await serveLocally(adminApp(t, p, { limits })));
  });
  after(async () => {
    server?.close();
    await t.drop();
  });

  describe('sign-in', () => {
    it("serves the sign-in page and AdminJS's scripts before sign-in, and nothing else", async () => {
      const c = new Client(base);
      const page = await c.request('/admin/login');
      assert.equal(page.status, 200);
      const scripts = [...(await page.text()).matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]);
      assert.ok(
        scripts.some((s) => s.endsWith('app.bundle.js')),
        scripts.join(', '),
      );
      for (const script of scripts) assert.equal((await c.request(script)).status, 200, script);
      assert.equal((await c.request('/admin/api/resources/contacts/actions/list')).status, 401);
      assert.equal((await c.request('/admin')).headers.get('location'), '/admin/login');
    });

    it('serves the screens bundled at build time, revalidated by ETag so a new build shows at once', async () => {
      const c = new Client(base);
      const bundle = await c.request('/admin/frontend/assets/components.bundle.js');
      assert.equal(bundle.status, 200);
      assert.equal(bundle.headers.get('cache-control'), 'no-cache');
      const text = await bundle.text();
      for (const page of ['LayoutEditor', 'ThemeEditor', 'Marketplace', 'EventLog', 'ContactTimeline', 'Dashboard'])
        assert.match(text, new RegExp(`UserComponents\\.${page}\\b`), page);
      // The pages share the studio's reply types with `import type`: none of the server's code (its SQL) is sent.
      assert.doesNotMatch(text, /layout_definitions|event_deliveries|contact_merge_candidates/);
      const etag = bundle.headers.get('etag');
      assert.ok(etag);
      // node:http, not fetch: fetch marks a request carrying If-None-Match `Cache-Control: no-cache`, as a browser's revalidation does not.
      const status = await new Promise<number>((resolve, reject) =>
        http
          .get(`${base}/admin/frontend/assets/components.bundle.js`, { headers: { 'if-none-match': etag } }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          })
          .on('error', reject),
      );
      assert.equal(status, 304);
    });

    it('refuses a wrong password with a clear message, and stores no session', async () => {
      const sessions = await count('SELECT count(*) AS n FROM admin_sessions');
      const c = new Client(base);
      const res = await c.post('/admin/login', { email: 'owner@a.test', password: 'wrong' });
      assert.equal(res.status, 401);
      assert.match(await res.text(), /Wrong email or password/);
      assert.equal(await count('SELECT count(*) AS n FROM admin_sessions'), sessions);
      assert.equal((await c.request('/admin')).status, 303, 'still sent to sign in');
      await t.db.app(null, () => t.db.exec('DELETE FROM login_failures'));
    });

    it('signs in with an HttpOnly, SameSite=Lax cookie and a session stored in the database', async () => {
      const c = new Client(base);
      const res = await c.post('/admin/login', { email: 'OWNER@a.test', password: PASSWORD });
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), '/admin');
      const cookie = res.headers.get('set-cookie')!;
      assert.match(cookie, /HttpOnly/);
      assert.match(cookie, /SameSite=Lax/);
      const sid = decodeURIComponent(c.cookie.split('=')[1]).slice(2).split('.')[0];
      assert.equal(await count('SELECT count(*) AS n FROM admin_sessions WHERE sid = $1', [sid]), 1);
      assert.equal((await c.request('/admin')).status, 200);
    });

    it('keeps people signed in across a restart: another process reads the same session', async () => {
      const c = await signedIn('owner@a.test');
      const other = await serveLocally(adminApp(t, p, { limits }));
      try {
        const restarted = new Client(other.base);
        restarted.cookie = c.cookie;
        assert.equal((await restarted.request('/admin')).status, 200);
      } finally {
        other.server.close();
      }
    });

    it('limits failed attempts per account and address, with the count in the database; even the right password waits', async () => {
      const c = new Client(base);
      for (let i = 0; i < limits.perPair; i++)
        assert.equal((await c.post('/admin/login', { email: 'owner@b.test', password: `guess ${i}` })).status, 401);
      assert.equal(await count("SELECT failures AS n FROM login_failures WHERE key = 'pair:owner@b.test 127.0.0.1'"), 3);
      const res = await c.post('/admin/login', { email: 'owner@b.test', password: PASSWORD });
      assert.equal(res.status, 429);
      assert.match(await res.text(), /Too many failed sign-ins for this account from this address: try again in 1 minute/);
      await t.db.app(null, () => t.db.exec('DELETE FROM login_failures'));
    });

    it('refuses a state-changing request from another origin, or with none, and writes nothing', async () => {
      const c = await signedIn('owner@a.test');
      const before = await count('SELECT count(*) AS n FROM mod_jotter.notes');
      const evil = await c.post('/admin/api/resources/jotter.notes/actions/new', { title: 'csrf' }, 'http://evil.test');
      assert.equal(evil.status, 403);
      assert.match(await evil.text(), /comes from http:\/\/evil\.test/);
      const bare = await c.post('/admin/api/resources/jotter.notes/actions/new', { title: 'csrf' }, null);
      assert.equal(bare.status, 403);
      assert.match(await bare.text(), /must carry an Origin or Referer/);
      assert.equal(await count('SELECT count(*) AS n FROM mod_jotter.notes'), before);
    });

    it('signs out on a POST from this site only: a GET asks first and ends nothing, nor does a POST from elsewhere', async () => {
      const c = await signedIn('owner@a.test');
      const sid = decodeURIComponent(c.cookie.split('=')[1]).slice(2).split('.')[0];
      const list = '/admin/api/resources/contacts/actions/list';
      const asked = await c.request('/admin/logout');
      assert.equal(asked.status, 200);
      assert.match(await asked.text(), /<form method="post" action="\/admin\/logout">/, "the page's one button posts");
      assert.equal((await c.json(list)).status, 200, 'a GET ends no session');
      assert.equal((await c.post('/admin/logout', {}, 'http://evil.test')).status, 403);
      assert.equal((await c.json(list)).status, 200, 'nor a POST from another site');
      assert.equal(await count('SELECT count(*) AS n FROM admin_sessions WHERE sid = $1', [sid]), 1);
      const out = await c.post('/admin/logout', {});
      assert.equal(out.status, 303);
      assert.equal(out.headers.get('location'), '/admin/login');
      assert.equal(await count('SELECT count(*) AS n FROM admin_sessions WHERE sid = $1', [sid]), 0);
      assert.equal((await c.json(list)).status, 401, 'signed out');
      assert.equal((await c.request('/admin/logout')).headers.get('location'), '/admin/login', 'nothing to ask once signed out');
    });

    it('sends pages with a content security policy and no link to a font host', async () => {
      const c = await signedIn('owner@a.test');
      const res = await c.request('/admin');
      assert.match(res.headers.get('content-security-policy')!, /script-src 'self' 'nonce-[^']+'(;|$)/);
      const html = await res.text();
      assert.doesNotMatch(html, /googleapis|gstatic/);
      assert.match(html, /\/admin\/fonts\/roboto\.css/);
      const css = await c.request('/admin/fonts/roboto.css');
      assert.equal(css.status, 200);
      const font = /url\((\/admin\/fonts\/files\/[^)]+\.woff2)\)/.exec(await css.text())![1];
      assert.equal((await c.request(font)).status, 200);
    });
  });

  describe('screens per workspace', () => {
    it("gives each workspace its own branding and only its enabled modules' tables", async () => {
      const stateA = await (await signedIn('owner@a.test')).pageState();
      const stateB = await (await signedIn('owner@b.test')).pageState();
      assert.equal(stateA.branding.companyName, 'Alpha Agency');
      assert.equal(stateB.branding.companyName, 'Beta Brokers');
      assert.deepEqual(stateA.resources.map((r) => r.id).sort(), ['contacts', 'jotter.notes']);
      assert.deepEqual(stateB.resources.map((r) => r.id).sort(), ['contacts', 'hidden.notes', 'jotter.notes']);
    });

    it('rebuilds on the next request when a layout record changes: no restart', async () => {
      const c = await signedIn('owner@a.test');
      const columns = async () =>
        (await c.pageState()).resources.find((r) => r.id === 'jotter.notes')!.listProperties.map((x) => x.name);
      assert.deepEqual(await columns(), ['title', 'contact_id', 'created_at'], "the manifest's screen, the module's default");
      await t.db.app(a.id, () =>
        t.db.exec(
          `INSERT INTO layout_definitions (workspace_id, module_id, resource, definition) VALUES ($1, 'jotter', 'jotter.notes', $2)`,
          [a.id, JSON.stringify({ resource: 'jotter.notes', list: ['title', 'body'] })],
        ),
      );
      assert.deepEqual(await columns(), ['title', 'body']);
      const other = await (await signedIn('owner@b.test')).pageState();
      assert.deepEqual(
        other.resources.find((r) => r.id === 'jotter.notes')!.listProperties.map((x) => x.name),
        ['title', 'contact_id', 'created_at'],
        "another workspace's layout is untouched",
      );
    });

    it('reads the role on every request: a demotion takes effect without signing in again', async () => {
      const c = await signedIn('owner@a.test');
      await t.entities.users.grant({ email: 'owner@a.test', workspace: a.slug, role: 'member' });
      try {
        const res = await c.post('/admin/api/resources/jotter.notes/actions/new', { title: 'after demotion' });
        assert.equal(res.status, 403);
        assert.match((await res.json()).error, /lets you read, not change anything/);
        assert.equal(await count("SELECT count(*) AS n FROM mod_jotter.notes WHERE title = 'after demotion'"), 0);
      } finally {
        await t.entities.users.grant({ email: 'owner@a.test', workspace: a.slug, role: 'owner' });
      }
    });

    it('lets a member read but not edit', async () => {
      const c = await signedIn('member@a.test');
      const res = await c.post('/admin/api/resources/jotter.notes/actions/new', { title: 'by a member' });
      assert.equal(res.status, 403, 'refused before its body is read');
      assert.equal(await count("SELECT count(*) AS n FROM mod_jotter.notes WHERE title = 'by a member'"), 0);
      assert.equal((await c.json('/admin/api/resources/contacts/actions/list')).status, 200);
    });
  });

  describe('cross-tenant probes, signed in as the owner of A', () => {
    let c: Client;
    before(async () => (c = await signedIn('owner@a.test')));
    const bStill = async () => {
      assert.equal(await count("SELECT count(*) AS n FROM contacts WHERE id = $1 AND name = 'Bea Beta'", [contactB]), 1);
      assert.equal(await count("SELECT count(*) AS n FROM mod_jotter.notes WHERE id = $1 AND title = 'secret of B'", [noteB]), 1);
    };

    it('a record of B by URL: show, edit and delete find nothing and change nothing', async () => {
      for (const [resource, id] of [
        ['contacts', contactB],
        ['jotter.notes', noteB],
      ]) {
        // AdminJS answers its API with 200 and says what went wrong in the body.
        const show = await c.json(`/admin/api/resources/${resource}/records/${id}/show`);
        assert.equal(show.body.record.baseError?.type, 'NotFoundError', `${resource} show`);
        assert.doesNotMatch(JSON.stringify(show.body), /Bea Beta|secret of B/);
        const edit = await c.post(`/admin/api/resources/${resource}/records/${id}/edit`, { name: 'taken', title: 'taken' });
        assert.equal((await edit.json()).record.baseError?.type, 'NotFoundError', `${resource} edit`);
        const del = await c.post(`/admin/api/resources/${resource}/records/${id}/delete`, {});
        assert.equal((await del.json()).record.baseError?.type, 'NotFoundError', `${resource} delete`);
      }
      await bStill();
    });

    it('search with any searchProperty, and filters on the workspace, return only A', async () => {
      for (const property of ['name', 'workspaceId', 'id', 'emails']) {
        const found = await c.json(`/admin/api/resources/contacts/search/Bea?searchProperty=${property}`);
        assert.deepEqual(found.body.records, [], `search by ${property}`);
        const byId = await c.json(`/admin/api/resources/contacts/search/${contactB}?searchProperty=${property}`);
        assert.deepEqual(byId.body.records, [], `search for B's id by ${property}`);
      }
      const names = async (query: string) =>
        (await c.json(`/admin/api/resources/contacts/actions/list?${query}`)).body.records.map(
          (r: { params: { name: string } }) => r.params.name,
        );
      assert.deepEqual(await names(`filters.workspaceId=${b.id}`), [], "asking for B's workspace finds nothing");
      assert.deepEqual(await names(`filters.workspaceId=${a.id}`), ['Ada Alpha']);
      const notes = await c.json(
        `/admin/api/resources/jotter.notes/actions/list?filters.workspace_id=${b.id}&filters.title=secret`,
      );
      assert.deepEqual(notes.body.records, []);
    });

    it('bulk actions on B ids change nothing', async () => {
      for (const [resource, id] of [
        ['jotter.notes', noteB],
        ['contacts', contactB],
      ]) {
        const res = await c.post(`/admin/api/resources/${resource}/bulk/bulkDelete?recordIds=${id}`, {});
        assert.equal(res.status, 404, resource);
        assert.match((await res.json()).error, /cannot be found/);
      }
      await bStill();
    });

    it('a new record with an injected workspace lands in A, never in B', async () => {
      const res = await c.post('/admin/api/resources/jotter.notes/actions/new', { title: 'injected', workspace_id: b.id });
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal(
        await count("SELECT count(*) AS n FROM mod_jotter.notes WHERE title = 'injected' AND workspace_id = $1", [a.id]),
        1,
      );
      assert.equal(
        await count("SELECT count(*) AS n FROM mod_jotter.notes WHERE title = 'injected' AND workspace_id = $1", [b.id]),
        0,
      );
    });

    it('a module not enabled in A is not there at all', async () => {
      const res = await c.json('/admin/api/resources/hidden.notes/actions/list');
      assert.equal(res.status, 404);
      assert.doesNotMatch(JSON.stringify(await c.pageState()), /hidden/);
    });
  });

  describe('read-only requests of a session this process read before', () => {
    /** The admin's statements that read sessions or notes while `fn` runs (the bus's workers query too). */
    const statements = async (fn: () => Promise<unknown>): Promise<string[]> => {
      const sequelize = t.db.sequelize;
      // eslint-disable-next-line @typescript-eslint/unbound-method -- called only through query.apply(sequelize, …)
      const query = sequelize.query;
      const sent: string[] = [];
      sequelize.query = ((...args: Parameters<typeof query>) => {
        if (typeof args[0] === 'string' && /admin_sessions|"notes"/.test(args[0])) sent.push(args[0]);
        return query.apply(sequelize, args);
      }) as typeof query;
      try {
        await fn();
      } finally {
        sequelize.query = query;
      }
      return sent;
    };
    const list = '/admin/api/resources/jotter.notes/actions/list';
    /** One GET as it crossed the wire, its redirects unfollowed. */
    const once = (c: Client, path: string) => fetch(c.base + path, { headers: { cookie: c.cookie }, redirect: 'manual' });

    it("check the session in the page's own statement: one round trip, not two", async () => {
      const c = await signedIn('owner@a.test');
      const first = await statements(() => c.json(list));
      const alone = (table: string, not: string) => first.some((sql) => sql.includes(table) && !sql.includes(not));
      assert.ok(
        alone('admin_sessions', '"notes"') && alone('"notes"', 'admin_sessions'),
        'the first reads the session, then the page',
      );
      let body: any;
      const next = await statements(async () => ({ body } = await c.json(list)));
      assert.equal(next.length, 1, next.join('\n'));
      assert.match(next[0], /admin_sessions[^]*"notes"/, 'the check, then the page, in one statement');
      assert.ok(Array.isArray(body.records), JSON.stringify(body).slice(0, 200));
      assert.equal(c.askedAgain, 0);
    });

    it('are refused once the session ends elsewhere, and send nothing of their answer', async () => {
      const c = await signedIn('owner@a.test');
      assert.equal((await c.json(list)).status, 200);
      const sid = decodeURIComponent(c.cookie.split('=')[1]).slice(2).split('.')[0];
      await t.db.app(null, () => t.db.exec('DELETE FROM admin_sessions WHERE sid = $1', [sid]));
      const res = await once(c, `${list}?page=1`);
      assert.equal(res.status, 307);
      assert.equal(res.headers.get('location'), `${list}?page=1`);
      assert.equal(await res.text(), '', 'nothing of the page read before the verdict');
      assert.equal((await once(c, list)).status, 401, 'asked again: the session is read afresh, and is gone');
    });

    it('are answered 503, with nothing of their answer, when the session cannot be checked', async () => {
      const c = await signedIn('owner@a.test');
      assert.equal((await c.json(list)).status, 200);
      const configReadable = (grant: 'GRANT' | 'REVOKE') =>
        t.db.owner('test: the versions unreadable', () =>
          t.db.exec(`${grant} SELECT ON admin_config ${grant === 'GRANT' ? 'TO' : 'FROM'} ${quoteIdent(t.db.roles.app)}`),
        );
      await configReadable('REVOKE');
      try {
        const res = await once(c, list);
        assert.equal(res.status, 503);
        assert.equal(await res.text(), '', 'nothing of the page read without a verdict');
      } finally {
        await configReadable('GRANT');
      }
      assert.equal((await once(c, list)).status, 200, 'checked again once the versions can be read');
    });

    it("log a failed check's error without its statement, which carries the session id", async () => {
      const sid = 'a-session-id-not-to-be-logged';
      const err = await t.db
        .app(null, () => t.db.exec(`SELECT 1 FROM admin_sessions, no_such_table WHERE sid = '${sid}'`))
        .then(
          () => assert.fail('the statement should fail'),
          (e: Error) => e,
        );
      const logged = JSON.stringify(loggedError(err));
      assert.match(logged, /no_such_table/, 'the message says what failed');
      assert.ok(!logged.includes(sid), logged);
    });

    it('are answered with the new screens when a layout changes elsewhere, or the role does', async () => {
      const layoutOfA = () =>
        t.db.app(a.id, () =>
          t.db.exec("DELETE FROM layout_definitions WHERE workspace_id = $1 AND resource = 'jotter.notes'", [a.id]),
        );
      await layoutOfA(); // the manifest's screen to begin with, whatever earlier tests left
      const c = await signedIn('owner@a.test');
      const note = await p.runtime.run('jotter', { workspaceId: a.id }, async (ctx) =>
        String((await ctx.models.notes.create({ title: 'listed', body: 'a body' })).get('id')),
      );
      const columns = async () =>
        new Set((await c.json(list)).body.records.flatMap((r: { params: object }) => Object.keys(r.params)) as string[]);
      assert.ok(!(await columns()).has('body'), "the manifest's list leaves the body out");
      await t.db.app(a.id, () =>
        t.db.exec(
          `INSERT INTO layout_definitions (workspace_id, module_id, resource, definition) VALUES ($1, 'jotter', 'jotter.notes', $2)`,
          [a.id, JSON.stringify({ resource: 'jotter.notes', list: ['title', 'body'] })],
        ),
      );
      try {
        assert.ok((await columns()).has('body'), 'the next read lists the body');
        assert.equal(c.askedAgain, 1);
        const actions = async () =>
          (await c.json(`/admin/api/resources/jotter.notes/records/${note}/show`)).body.record.recordActions.map(
            (x: { name: string }) => x.name,
          ) as string[];
        assert.ok((await actions()).includes('edit'));
        await t.entities.users.grant({ email: 'owner@a.test', workspace: a.slug, role: 'member' });
        assert.ok(!(await actions()).includes('edit'), 'a member, on the very next read');
        assert.equal(c.askedAgain, 2);
      } finally {
        await t.entities.users.grant({ email: 'owner@a.test', workspace: a.slug, role: 'owner' });
        await layoutOfA();
        await p.runtime.run('jotter', { workspaceId: a.id }, (ctx) => ctx.models.notes.destroy({ where: { id: note } }));
      }
    });
  });

  describe("a module's hidden and labelled columns", () => {
    let c: Client;
    let note: string;
    const notes = '/admin/api/resources/vault.notes';
    const secretOf = (id: string) =>
      p.runtime.run('vault', { workspaceId: vaultWs.id }, async (ctx) => (await ctx.models.notes.findByPk(id))!.get('secret'));
    let vaultWs: { id: string; slug: string };
    before(async () => {
      vaultWs = await t.entities.workspaces.create({ slug: 'adm-vault', name: 'Vault' });
      await t.entities.users.create({ email: 'owner@vault.test', password: PASSWORD });
      await t.entities.users.grant({ email: 'owner@vault.test', workspace: vaultWs.slug, role: 'owner' });
      const dir = pluginDir('vault', (m) => {
        const columns = m.tables[0].schema.properties;
        columns.secret = { type: 'string', 'x-plinth-hidden': true };
        m.tables[0].schema.required = [...(m.tables[0].schema.required ?? []), 'secret'];
        columns.title['x-plinth-label'] = 'Headline';
      });
      await p.add(dir, 'vault', [vaultWs.slug]);
      note = await p.runtime.run('vault', { workspaceId: vaultWs.id }, async (ctx) =>
        String((await ctx.models.notes.create({ title: 'kept', secret: 'only the module reads this' })).get('id')),
      );
      c = await signedIn('owner@vault.test');
    });

    it('are left out of every screen, and a manifest label names its column', async () => {
      const state = (await c.pageState()) as any;
      const resource = state.resources.find((r: { id: string }) => r.id === 'vault.notes');
      const everywhere = ['listProperties', 'showProperties', 'editProperties', 'filterProperties'].flatMap((kind) =>
        resource[kind].map((x: { name: string }) => x.name),
      );
      assert.ok(everywhere.includes('title') && !everywhere.includes('secret'), everywhere.join(', '));
      // AdminJS reads a resource id's dots as key separators: `vault.notes` is vault → notes.
      assert.equal(state.locale.translations.en.resources.vault.notes.properties.title, 'Headline');
    });

    it('are never sent, never matched by a filter, and never written from a form', async () => {
      const show = await c.json(`${notes}/records/${note}/show`);
      assert.equal(show.body.record.params.title, 'kept');
      assert.ok(!('secret' in show.body.record.params), JSON.stringify(show.body.record.params));
      const list = await c.json(`${notes}/actions/list`);
      assert.doesNotMatch(JSON.stringify(list.body), /only the module/);
      const filtered = await c.json(`${notes}/actions/list?filters.secret=only`);
      assert.deepEqual(filtered.body.records, [], 'a filter on a hidden column matches nothing');
      const edit = await c.post(`${notes}/records/${note}/edit`, { title: 'renamed', secret: 'overwritten' });
      assert.equal(edit.status, 200);
      assert.doesNotMatch(JSON.stringify(await edit.json()), /only the module/, 'the answer echoes the form, not the column');
      assert.equal(await secretOf(note), 'only the module reads this');
    });

    it('make a table whose required column is hidden not creatable in the admin: the module makes its rows', async () => {
      const state = (await c.pageState()) as any;
      const resource = state.resources.find((r: { id: string }) => r.id === 'vault.notes');
      const actions = resource.resourceActions.map((x: { name: string }) => x.name);
      assert.ok(!actions.includes('new') && actions.includes('list'), actions.join(', '));
      const count = () => p.runtime.run('vault', { workspaceId: vaultWs.id }, (ctx) => ctx.models.notes.count());
      const before = await count();
      const made = await c.post(`${notes}/actions/new`, { title: 'from a form' });
      const answer = await made.json();
      assert.equal(answer.record.baseError?.type, 'ForbiddenError', JSON.stringify(answer));
      assert.equal(await count(), before, 'nothing written');
    });
  });

  describe('list pages', () => {
    it("send each row's listed columns (and its key and title), not the whole row; a record sends all of it", async () => {
      const c = await signedIn('owner@a.test');
      const listed = (await c.pageState()).resources.find((r) => r.id === 'contacts')!.listProperties.map((p) => p.name);
      const list = (await c.json('/admin/api/resources/contacts/actions/list')).body;
      const keys = new Set(Object.keys(list.records[0].params as object).map((k) => k.split('.')[0]));
      const allowed = new Set(['id', 'name', 'createdAt', ...listed]);
      assert.deepEqual(
        [...keys].filter((k) => !allowed.has(k)),
        [],
        `sent ${[...keys].join(', ')} for a list of ${listed.join(', ')}`,
      );
      assert.ok(!keys.has('workspaceId'));
      const record = (await c.json(`/admin/api/resources/contacts/records/${list.records[0].id}/show`)).body.record;
      assert.ok(
        Object.keys(record.params).some((k) => k.startsWith('provenance')),
        'the record page gets the whole row',
      );
    });
  });

  describe('list totals', () => {
    it('counts a large list exactly while statistics are missing, and estimates it once they exist', async () => {
      const c = await signedIn('owner@a.test');
      const total = async () => (await c.json('/admin/api/resources/contacts/actions/list')).body.meta.total as number;
      const small = await total();
      await t.db.owner('many contacts, for the test', () =>
        t.db.exec(
          `INSERT INTO contacts (workspace_id, name, emails) SELECT $1, 'Bulk ' || g, ARRAY['bulk' || g || '@a.test'] FROM generate_series(1, 1500) g`,
          [a.id],
        ),
      );
      try {
        assert.equal(await total(), small + 1500, 'no statistics yet: counted exactly, not guessed low');
        await t.db.owner('statistics', () => t.db.exec('ANALYZE contacts'));
        const estimated = await total();
        assert.ok(Math.abs(estimated - (small + 1500)) <= 150, `estimate ${estimated} for ${small + 1500} rows`);
      } finally {
        await t.db.owner('clean up', () => t.db.exec("DELETE FROM contacts WHERE name LIKE 'Bulk %'"));
      }
    });

    it("does the same for a module's table, under the module's own role", async () => {
      const c = await signedIn('owner@a.test');
      const total = async () => (await c.json('/admin/api/resources/jotter.notes/actions/list')).body.meta.total as number;
      const small = await total();
      await t.db.unit({ role: 'connection' }, () =>
        t.db.exec(`INSERT INTO mod_jotter.notes (workspace_id, title) SELECT $1, 'bulk ' || g FROM generate_series(1, 1200) g`, [
          a.id,
        ]),
      );
      try {
        assert.equal(await total(), small + 1200);
        await t.db.unit({ role: 'connection' }, () => t.db.exec('ANALYZE mod_jotter.notes'));
        const estimated = await total();
        assert.ok(Math.abs(estimated - (small + 1200)) <= 120, `estimate ${estimated} for ${small + 1200} rows`);
      } finally {
        await t.db.unit({ role: 'connection' }, () => t.db.exec("DELETE FROM mod_jotter.notes WHERE title LIKE 'bulk %'"));
      }
    });
  });
});
