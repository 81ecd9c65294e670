import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { AdminClient, adminApp, giveTheme, serveLocally } from './support/admin.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { testPlatform, type TestPlatform } from './support/platform.js';
import { pluginDir } from './support/plugins.js';

const PASSWORD = 'correct horse battery';
const API = '/admin/studio/api';

/** The admin's own screens (layout and theme editors, marketplace, event log, contact 360, dashboard) through their API. */
describe(`the admin studio: editors, marketplace, event log, contact 360 (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let p: TestPlatform;
  let server: Server;
  let base: string;
  let a: { id: string; slug: string };
  let b: { id: string; slug: string };
  let owner: AdminClient;
  let member: AdminClient;
  let ownerB: AdminClient;
  let contactA: string;
  let contactB: string;

  const count = async (sql: string, params: unknown[] = []) =>
    Number((await t.db.unit({ role: 'connection' }, () => t.db.rows<{ n: string }>(sql, params)))[0].n);
  const signedIn = async (email: string) => {
    const c = new AdminClient(base);
    assert.equal((await c.post('/admin/login', { email, password: PASSWORD })).status, 303, email);
    return c;
  };
  const note = (workspaceId: string, title: string, contactId: string) =>
    p.runtime.run('jotter', { workspaceId }, async (ctx) => {
      const row = await ctx.models.notes.create({ title, contact_id: contactId });
      await ctx.events.emit('jotter.note_added', { noteId: String(row.get('id')), title }, { contactId });
    });

  before(async () => {
    t = await freshDatabase();
    p = testPlatform(t);
    a = await t.entities.workspaces.create({ slug: 'st-a', name: 'Alpha' });
    b = await t.entities.workspaces.create({ slug: 'st-b', name: 'Beta' });
    for (const [email, ws, role] of [
      ['owner@st-a.test', a, 'owner'],
      ['member@st-a.test', a, 'member'],
      ['owner@st-b.test', b, 'owner'],
    ] as const) {
      await t.entities.users.create({ email, password: PASSWORD });
      await t.entities.users.grant({ email, workspace: ws.slug, role });
    }
    await p.add(pluginDir('jotter'), 'jotter', [a.slug, b.slug]);
    await p.add(
      pluginDir('tally', (m) => (m.name = 'Tally Sheet')),
      'tally',
      [],
    );
    await p.add(
      pluginDir('pricey', (m) => (m.pricing = { model: 'flat', amount: 49, currency: 'EUR', interval: 'month' })),
      'pricey',
      [],
    );
    await giveTheme(t, b.id, { branding: { companyName: 'Beta Brokers' } });
    const upsert = (ws: string, name: string, email: string) =>
      t.entities.contacts.upsert(ws, { name, emails: [email], source: { module: 'plinth' } });
    contactA = (await upsert(a.id, 'Ada Alpha', 'ada@st-a.test')).contact.id;
    contactB = (await upsert(b.id, 'Bea Beta', 'bea@st-b.test')).contact.id;
    await note(a.id, 'first call', contactA);
    await note(a.id, 'second call', contactA);
    await note(b.id, 'secret of B', contactB);
    ({ server, base } = await serveLocally(adminApp(t, p)));
    owner = await signedIn('owner@st-a.test');
    member = await signedIn('member@st-a.test');
    ownerB = await signedIn('owner@st-b.test');
  });
  after(async () => {
    server?.close();
    await t.drop();
  });

  const listColumns = async (c: AdminClient, resource: string) =>
    (await c.pageState()).resources.find((r) => r.id === resource)?.listProperties.map((p) => p.name);

  describe('layout editor', () => {
    it("offers this workspace's resources with their properties and the module's default layout", async () => {
      const { status, body } = await owner.json(`${API}/layouts`);
      assert.equal(status, 200);
      const notes = body.find((r: { id: string }) => r.id === 'jotter.notes');
      assert.ok(notes, body.map((r: { id: string }) => r.id).join(', '));
      assert.ok(notes.properties.includes('title') && notes.properties.includes('created_at'), notes.properties.join(', '));
      assert.ok(!notes.properties.includes('workspace_id'));
      assert.deepEqual(notes.layout.list, ['title', 'contact_id', 'created_at'], "the manifest's screen is the default");
      assert.equal(notes.own, null);
      assert.ok(!body.some((r: { id: string }) => r.id.startsWith('tally.')), 'a module not enabled here is not offered');
    });

    it("previews with whole rows of this workspace's resource, whatever its list shows", async () => {
      const { status, body } = await owner.json(`${API}/layouts/jotter.notes/sample`);
      assert.equal(status, 200);
      assert.deepEqual(body.map((r: { title: string }) => r.title).sort(), ['first call', 'second call']);
      assert.ok(
        body.every((r: Record<string, unknown>) => 'body' in r && 'contact_id' in r),
        JSON.stringify(body[0]),
      );
      assert.equal((await owner.json(`${API}/layouts/tally.notes/sample`)).status, 404);
    });

    it('publishes a layout that the next page load shows, and reverts it', async () => {
      const res = await owner.send('PUT', `${API}/layouts/jotter.notes`, { list: ['body', 'title'], labels: { title: 'Entry' } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(await listColumns(owner, 'jotter.notes'), ['body', 'title']);
      assert.deepEqual(await listColumns(ownerB, 'jotter.notes'), ['title', 'contact_id', 'created_at'], 'B keeps its own');
      const own = (await owner.json(`${API}/layouts`)).body.find((r: { id: string }) => r.id === 'jotter.notes').own;
      assert.deepEqual(own.labels, { title: 'Entry' });

      assert.equal((await owner.send('DELETE', `${API}/layouts/jotter.notes`)).status, 204);
      assert.deepEqual(await listColumns(owner, 'jotter.notes'), ['title', 'contact_id', 'created_at']);
      const again = await owner.send('DELETE', `${API}/layouts/jotter.notes`);
      assert.equal(again.status, 404);
      assert.match(again.body.error, /layout of "jotter.notes"/);
    });

    it('refuses a property the resource does not have, naming it and its JSON path; nothing is written', async () => {
      const layouts = await count('SELECT count(*) AS n FROM layout_definitions');
      const res = await owner.send('PUT', `${API}/layouts/jotter.notes`, { list: ['title', 'nope'] });
      assert.equal(res.status, 400);
      assert.match(res.body.error, /\/list\/1: "nope" is not a property of jotter\.notes/);
      assert.equal(res.body.path, '/list/1');
      assert.equal(await count('SELECT count(*) AS n FROM layout_definitions'), layouts);
    });

    it('refuses a layout that breaks the layout schema, with the JSON path; nothing is written', async () => {
      const layouts = await count('SELECT count(*) AS n FROM layout_definitions');
      for (const [body, path] of [
        [{ list: 'title' }, /\/list: must be array/],
        [{ sort: { property: 'title', direction: 'sideways' } }, /\/sort\/direction: must be equal to one of the allowed values/],
        [{ colour: 'red' }, /must NOT have additional properties \("colour"\)/],
        [['title'], /must be a JSON object/],
      ] as const) {
        const res = await owner.send('PUT', `${API}/layouts/jotter.notes`, body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.match(res.body.error, path);
      }
      assert.equal(await count('SELECT count(*) AS n FROM layout_definitions'), layouts);
    });

    it('refuses members, other content types, broken or too large JSON and resources this workspace does not have', async () => {
      const member403 = await member.send('PUT', `${API}/layouts/jotter.notes`, { list: ['title'] });
      assert.equal(member403.status, 403);
      assert.match(member403.body.error, /only an owner or admin of workspace "st-a" may change layouts/);
      const text = await owner.send('PUT', `${API}/layouts/jotter.notes`, 'list=title', 'text/plain');
      assert.equal(text.status, 415);
      assert.match(text.body.error, /send application\/json, not text\/plain/);
      const broken = await owner.send('PUT', `${API}/layouts/jotter.notes`, '{"list": [', 'application/json');
      assert.equal(broken.status, 400);
      assert.match(broken.body.error, /not JSON/);
      const large = await owner.send('PUT', `${API}/layouts/jotter.notes`, { list: ['x'.repeat(300_000)] });
      assert.equal(large.status, 413);
      assert.match(large.body.error, /the body is larger than 256 kB/);
      const absent = await owner.send('PUT', `${API}/layouts/tally.notes`, { list: ['title'] });
      assert.equal(absent.status, 404);
      assert.match(absent.body.error, /resource in this workspace "tally.notes" not found/);
      const foreignOrigin = await owner.request(`${API}/layouts/jotter.notes`, {
        method: 'PUT',
        body: JSON.stringify({ list: ['title'] }),
        headers: { 'content-type': 'application/json' },
        origin: 'https://evil.example',
      });
      assert.equal(foreignOrigin.status, 403);
      assert.equal(await count('SELECT count(*) AS n FROM layout_definitions WHERE workspace_id IS NOT NULL'), 0);
    });
  });

  describe('theme editor', () => {
    it('applies a theme of the workspace’s own, checked against the theme schema, and reverts it', async () => {
      const before = await owner.json(`${API}/theme`);
      assert.equal(before.body.source, 'default');
      const res = await owner.send('PUT', `${API}/theme`, {
        branding: { companyName: 'Alpha Studio' },
        colors: { primary100: '#112233' },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const state = (await owner.pageState()) as unknown as {
        branding: { companyName: string; theme: { colors: Record<string, string> } };
      };
      assert.equal(state.branding.companyName, 'Alpha Studio');
      assert.equal(state.branding.theme.colors.primary100, '#112233');
      assert.equal((await owner.json(`${API}/theme`)).body.source, 'own');
      assert.equal((await ownerB.pageState()).branding.companyName, 'Beta Brokers');

      const bad = await owner.send('PUT', `${API}/theme`, { branding: { companyName: 'X' }, colors: { primary100: '#12' } });
      assert.equal(bad.status, 400);
      assert.match(bad.body.error, /\/colors\/primary100: must match pattern/);
      const empty = await owner.send('PUT', `${API}/theme`, { branding: { companyName: '' } });
      assert.equal(empty.status, 400);
      assert.match(empty.body.error, /\/branding\/companyName/);
      assert.equal((await owner.pageState()).branding.companyName, 'Alpha Studio', 'refused themes change nothing');
      assert.equal((await member.send('PUT', `${API}/theme`, { branding: { companyName: 'Mine' } })).status, 403);

      assert.equal((await owner.send('DELETE', `${API}/theme`)).status, 204);
      assert.equal((await owner.pageState()).branding.companyName, 'Plinth');
      assert.equal((await owner.send('DELETE', `${API}/theme`)).status, 404);
    });
  });

  describe('marketplace', () => {
    it('lists the registry with vendor, version, capabilities, price, signature and what is enabled here', async () => {
      const { status, body } = await owner.json(`${API}/marketplace`);
      assert.equal(status, 200);
      const byId = new Map(body.map((m: { id: string }) => [m.id, m]));
      const jotter = byId.get('jotter') as Record<string, any>;
      assert.equal(jotter.enabled, true);
      assert.equal(jotter.vendor, 'Jotter');
      assert.equal(jotter.version, '0.1.0');
      assert.deepEqual(jotter.capabilities, ['contacts:read', 'events:emit']);
      assert.equal(jotter.signature, 'unsigned');
      assert.equal(jotter.settingsSchema.properties.signature.type, 'string');
      assert.equal((byId.get('tally') as Record<string, any>).enabled, false);
      assert.deepEqual((byId.get('pricey') as Record<string, any>).pricing, {
        model: 'flat',
        amount: 49,
        currency: 'EUR',
        interval: 'month',
      });
    });

    it('enables a module here with settings from its schema (its screens appear), and disables it', async () => {
      assert.ok(!(await owner.pageState()).resources.some((r) => r.id === 'tally.notes'));
      const res = await owner.send('POST', `${API}/marketplace/tally/enable`, { settings: { signature: 'Alpha desk' } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.ok((await owner.pageState()).resources.some((r) => r.id === 'tally.notes'));
      assert.ok(!(await ownerB.pageState()).resources.some((r) => r.id === 'tally.notes'), 'only in this workspace');
      const [installation] = await t.db.app(a.id, () =>
        t.db.rows<{ settings: unknown }>(
          "SELECT settings FROM module_installations WHERE module_id = 'tally' AND workspace_id = $1",
          [a.id],
        ),
      );
      assert.deepEqual(installation.settings, { signature: 'Alpha desk' });
      const [enabled] = await t.db.app(a.id, () =>
        t.db.rows<{ actor_id: string }>(
          "SELECT actor_id FROM events WHERE name = 'plinth.module_enabled' AND payload->>'module' = 'tally'",
        ),
      );
      assert.ok(enabled.actor_id, 'the lifecycle event names the user');

      assert.equal((await owner.send('POST', `${API}/marketplace/tally/disable`)).status, 204);
      assert.ok(!(await owner.pageState()).resources.some((r) => r.id === 'tally.notes'));
    });

    it("refuses bad settings (400), a step the module's state does not allow (409: no subscription, not installed, not enabled) and members (403); nothing changes", async () => {
      const enabledBefore = await count('SELECT count(*) AS n FROM module_installations WHERE enabled');
      const bad = await owner.send('POST', `${API}/marketplace/tally/enable`, { settings: { signature: 5 } });
      assert.equal(bad.status, 400);
      assert.match(bad.body.error, /settings\/signature: must be string/);
      const paid = await owner.send('POST', `${API}/marketplace/pricey/enable`, {});
      assert.equal(paid.status, 409);
      assert.match(paid.body.error, /paid module: workspace "st-a" needs an active subscription covering "pricey"/);
      const unknown = await owner.send('POST', `${API}/marketplace/nothing-here/enable`, {});
      assert.equal(unknown.status, 409);
      assert.match(unknown.body.error, /nothing-here.*is not installed/);
      const notEnabled = await owner.send('POST', `${API}/marketplace/tally/disable`);
      assert.equal(notEnabled.status, 409);
      assert.match(notEnabled.body.error, /is not enabled in workspace "st-a"/);
      const refused = await member.send('POST', `${API}/marketplace/tally/enable`, {});
      assert.equal(refused.status, 403);
      assert.match(refused.body.error, /may change which modules are enabled/);
      assert.equal(await count('SELECT count(*) AS n FROM module_installations WHERE enabled'), enabledBefore);
    });
  });

  describe('event log and contact 360', () => {
    it("shows this workspace's events only, filtered by name, and refuses a malformed name", async () => {
      const { status, body } = await owner.json(`${API}/events?name=jotter.note_added`);
      assert.equal(status, 200);
      assert.deepEqual(
        body.events.map((e: { payload: { title: string } }) => e.payload.title),
        ['second call', 'first call'],
      );
      const all = await owner.json(`${API}/events`);
      assert.ok(!JSON.stringify(all.body).includes('secret of B'));
      const bad = await owner.json(`${API}/events?name=${encodeURIComponent("x' OR 1=1")}`);
      assert.equal(bad.status, 400);
      assert.match(bad.body.error, /is not an event name/);
    });

    it('replays a dead delivery of this workspace, and finds none of another', async () => {
      const dead = async (workspaceId: string, title: string) => {
        const [event] = await t.db.app(workspaceId, () =>
          t.db.rows<{ id: string }>("SELECT id FROM events WHERE payload->>'title' = $1", [title]),
        );
        await t.db.owner('a dead delivery, for the test', () =>
          t.db.exec(
            `INSERT INTO event_deliveries (event_id, subscriber, workspace_id, status, attempts, last_error)
             VALUES ($1, 'jotter', $2, 'dead', 5, 'handler threw: boom')
             ON CONFLICT (event_id, subscriber) DO UPDATE SET status = 'dead', attempts = 5`,
            [event.id, workspaceId],
          ),
        );
        return `${event.id}:jotter`;
      };
      const mine = await dead(a.id, 'first call');
      const theirs = await dead(b.id, 'secret of B');
      const log = await owner.json(`${API}/events`);
      assert.deepEqual(
        log.body.deliveries.map((d: { id: string; status: string; lastError: string }) => [d.id, d.status, d.lastError]),
        [[mine, 'dead', 'handler threw: boom']],
      );

      const other = await owner.send('POST', `${API}/deliveries/${theirs}/replay`);
      assert.equal(other.status, 404);
      assert.equal(await count("SELECT count(*) AS n FROM event_deliveries WHERE status = 'dead'"), 2, "B's stays dead");
      const malformed = await owner.send('POST', `${API}/deliveries/not-a-delivery/replay`);
      assert.equal(malformed.status, 400);
      assert.match(malformed.body.error, /is not a delivery id/);
      assert.equal((await member.send('POST', `${API}/deliveries/${mine}/replay`)).status, 403);

      assert.equal((await owner.send('POST', `${API}/deliveries/${mine}/replay`)).status, 204);
      const [row] = await t.db.app(a.id, () =>
        t.db.rows<{ status: string; attempts: number }>('SELECT status, attempts FROM event_deliveries WHERE event_id = $1', [
          mine.split(':')[0],
        ]),
      );
      assert.deepEqual(row, { status: 'failed', attempts: 0 });
    });

    it("shows one contact's timeline across modules, oldest first; another workspace's contact is not found", async () => {
      const { status, body } = await member.json(`${API}/contacts/${contactA}/timeline`);
      assert.equal(status, 200);
      assert.equal(body.contact.name, 'Ada Alpha');
      assert.deepEqual(
        body.events.map((e: { name: string; payload: { title: string } }) => `${e.name}: ${e.payload.title}`),
        ['jotter.note_added: first call', 'jotter.note_added: second call'],
      );
      assert.equal((await owner.json(`${API}/contacts/${contactB}/timeline`)).status, 404);
      assert.equal((await owner.json(`${API}/contacts/not-a-uuid/timeline`)).status, 404);
    });
  });

  describe('dashboard', () => {
    it('shows counts, recent rows and events per day of this workspace, and the widgets layouts declare', async () => {
      const board = (await member.json(`${API}/dashboard`)).body;
      assert.deepEqual(board.workspace, { slug: 'st-a', name: 'Alpha', role: 'member' });
      assert.equal(board.canSwitch, false, 'one membership: nothing to switch to');
      const fallback = board.widgets;
      assert.deepEqual(
        fallback.map((w: { kind: string }) => w.kind),
        ['count', 'per_day', 'recent'],
      );
      assert.equal(fallback[0].value, 1, "A's contacts only");
      assert.equal(fallback[1].days.length, 14);
      assert.ok(fallback[1].days.at(-1).count >= 2, JSON.stringify(fallback[1].days.at(-1)));
      assert.deepEqual(
        fallback[2].rows.map((r: { title: string }) => r.title),
        ['Ada Alpha'],
      );

      const res = await owner.send('PUT', `${API}/layouts/jotter.notes`, {
        dashboard: [
          { kind: 'count', title: 'Notes' },
          { kind: 'per_day', title: 'Notes per day', event: 'jotter.note_added', days: 7 },
          {
            kind: 'per_day',
            title: 'Activity',
            days: 3,
            series: [
              { label: 'Notes', events: ['jotter.note_added'] },
              { label: 'Enabled', events: ['plinth.module_enabled', 'plinth.module_disabled'] },
            ],
          },
        ],
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const declared = (await owner.json(`${API}/dashboard`)).body.widgets;
      assert.deepEqual(
        declared.map((w: { title: string }) => w.title),
        ['Notes', 'Notes per day', 'Activity'],
      );
      assert.equal(declared[0].value, 2, "A's notes only");
      assert.equal(declared[1].days.at(-1).count, 2);
      assert.equal(declared[2].days, undefined, 'a widget with series has its days in each series');
      const [notes, enabled] = declared[2].series;
      assert.deepEqual([notes.label, notes.days.length, notes.days.at(-1).count], ['Notes', 3, 2]);
      assert.ok(enabled.days.at(-1).count >= 1, 'each series counts its own events');
      assert.equal((await owner.send('DELETE', `${API}/layouts/jotter.notes`)).status, 204);
    });
  });

  it('checkpoint 4: theme and layout context apply without module-specific hacks', async () => {
    // A module whose id exists only in this run: no code of the platform can name it.
    const id = `m${Math.random().toString(36).slice(2, 10)}`;
    await p.add(pluginDir(id), id, [a.slug]);
    const resource = `${id}.notes`;
    assert.deepEqual(await listColumns(owner, resource), ['title', 'contact_id', 'created_at'], "its manifest's screen");
    const layout = await owner.send('PUT', `${API}/layouts/${resource}`, { list: ['body', 'title'], labels: { body: 'Text' } });
    assert.equal(layout.status, 200, JSON.stringify(layout.body));
    assert.deepEqual(await listColumns(owner, resource), ['body', 'title']);
    const theme = await owner.send('PUT', `${API}/theme`, { branding: { companyName: 'Checkpoint Four' } });
    assert.equal(theme.status, 200, JSON.stringify(theme.body));
    assert.equal((await owner.pageState()).branding.companyName, 'Checkpoint Four');
    assert.equal((await owner.send('DELETE', `${API}/theme`)).status, 204);
    assert.equal((await owner.send('DELETE', `${API}/layouts/${resource}`)).status, 204);
  });

  it('answers 401 to the studio API before sign-in', async () => {
    const res = await new AdminClient(base).json(`${API}/layouts`);
    assert.equal(res.status, 401);
  });
});
