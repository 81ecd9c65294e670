import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { EventOperations } from '../platform/events/index.js';
import { GatewayError } from '../platform/gateway/index.js';
import { AdminClient, adminApp, serveLocally } from './support/admin.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { actor, testPlatform, type TestPlatform } from './support/platform.js';
import { pluginDir } from './support/plugins.js';

interface Found {
  results: { entryId: string; title: string; snippet: string; rank: number }[];
}

/** The bundled Knowledge module, installed from plugins/ as any module is: its full-text search gateway. */
describe(`the Knowledge module (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let p: TestPlatform;
  let a: { id: string; slug: string };
  let b: { id: string; slug: string };

  const entry = (workspaceId: string, row: { title: string; body: string; published?: boolean; tags?: string[] }) =>
    p.runtime.run('knowledge', { workspaceId }, (ctx) => ctx.models.kb_entries.create({ published: true, ...row }));
  const search = (workspaceId: string, input: unknown) =>
    p.runtime.run('asker', { workspaceId }, (ctx) => ctx.gateways.call<Found>('knowledge.search', input));

  before(async () => {
    t = await freshDatabase();
    p = testPlatform(t);
    a = await t.entities.workspaces.create({ slug: 'kb-a', name: 'Alpha' });
    b = await t.entities.workspaces.create({ slug: 'kb-b', name: 'Beta' });
    const registered = await p.marketplace.registry.registerBundled();
    assert.ok(
      registered.some((r) => r.row.moduleId === 'knowledge' && r.row.source === 'bundled'),
      registered.map((r) => r.row.moduleId).join(', '),
    );
    await p.marketplace.lifecycle.install('knowledge', undefined, actor);
    for (const ws of [a, b]) await p.marketplace.lifecycle.enable('knowledge', ws.slug, undefined, actor);
    await p.add(
      pluginDir('asker', (m) => (m.dependencies = { knowledge: '^0.2.0' })),
      'asker',
      [a.slug, b.slug],
    );
    await entry(a.id, { title: 'Refund policy', body: 'Refunds are issued within 14 days of a cancelled appointment.' });
    await entry(a.id, { title: 'Opening hours', body: 'We are open Monday to Friday; refunds are handled by the front desk.' });
    await entry(a.id, { title: 'Draft: refund exceptions', body: 'Not yet approved: refunds for no-shows.', published: false });
    await entry(b.id, { title: 'Refund rules of Beta', body: 'Beta refunds nothing after 48 hours.' });
  });
  after(() => t.drop());

  it("finds this workspace's published entries by stemmed words, best first, with a snippet", async () => {
    const found = await search(a.id, { query: 'refund' });
    assert.deepEqual(
      found.results.map((r) => r.title),
      ['Refund policy', 'Opening hours'],
    );
    assert.ok(found.results[0].rank >= found.results[1].rank);
    assert.match(found.results[0].snippet, /<b>Refunds<\/b>/);
    const beta = await search(b.id, { query: 'refunds' });
    assert.deepEqual(
      beta.results.map((r) => r.title),
      ['Refund rules of Beta'],
      "Beta's search sees Beta's entries only",
    );
  });

  it('understands phrases and exclusions, and honours the limit and the workspace setting', async () => {
    assert.deepEqual(
      (await search(a.id, { query: 'refund -appointment' })).results.map((r) => r.title),
      ['Opening hours'],
    );
    assert.deepEqual(
      (await search(a.id, { query: '"front desk"' })).results.map((r) => r.title),
      ['Opening hours'],
    );
    assert.equal((await search(a.id, { query: 'refund', limit: 1 })).results.length, 1);
    await p.marketplace.lifecycle.enable('knowledge', a.slug, { resultLimit: 1 }, actor);
    assert.equal((await search(a.id, { query: 'refund' })).results.length, 1);
    assert.deepEqual((await search(a.id, { query: 'astronomy' })).results, []);
  });

  it('refuses a question the schema does not allow before the search runs', async () => {
    await assert.rejects(
      search(a.id, { query: '' }),
      (err: Error) => err instanceof GatewayError && /input\/query: must NOT have fewer than 1 characters/.test(err.message),
    );
    await assert.rejects(
      search(a.id, { query: 'x', limit: 50 }),
      (err: Error) => err instanceof GatewayError && /input\/limit: must be <= 20/.test(err.message),
    );
  });

  it('installs its screens as default layouts, and its search index', async () => {
    const layouts = await t.db.app(null, () =>
      t.db.rows<{ resource: string }>(
        "SELECT resource FROM layout_definitions WHERE module_id = 'knowledge' AND workspace_id IS NULL ORDER BY resource",
      ),
    );
    assert.deepEqual(
      layouts.map((l) => l.resource),
      ['knowledge.kb_entries', 'knowledge.kb_projects'],
    );
    const [index] = await t.db.unit({ role: 'connection' }, () =>
      t.db.rows<{ n: string }>(
        "SELECT count(*) AS n FROM pg_indexes WHERE schemaname = 'mod_knowledge' AND indexname = 'kb_entries_search'",
      ),
    );
    assert.equal(Number(index.n), 1);
  });

  describe('entries written in the admin', () => {
    let server: Server;
    let admin: AdminClient;
    const PASSWORD = 'correct horse battery';
    const told = async () =>
      (await new EventOperations(t.db).list({ workspace: a.slug, name: 'knowledge.entry_updated' }))
        .reverse()
        .map((e) => e.payload as { entryId: string; action: string; title: string; published: boolean });

    before(async () => {
      await t.entities.users.create({ email: 'editor@kb.test', password: PASSWORD });
      await t.entities.users.grant({ email: 'editor@kb.test', workspace: a.slug, role: 'owner' });
      const guard = `export default async function guard(change, ctx) {
  if (change.row?.title === 'forbidden') throw new Error('the guard refuses this title');
  const [left] = await ctx.query('SELECT count(*)::int AS n FROM notes');
  if (change.action === 'deleted' && left.n === 0) throw new Error('the last note stays');
}
`;
      await p.add(
        pluginDir('guarded', (m) => (m.tables[0].onChange = 'handlers/guard.js'), { 'handlers/guard.js': guard }),
        'guarded',
        [a.slug],
      );
      ({ server } = await serveLocally(adminApp(t, p)));
      admin = new AdminClient(`http://127.0.0.1:${(server.address() as { port: number }).port}`);
      assert.equal((await admin.post('/admin/login', { email: 'editor@kb.test', password: PASSWORD })).status, 303);
    });
    after(() => server?.close());

    it('emit knowledge.entry_updated when created, edited and deleted, in the same transaction', async () => {
      const made = await admin.post('/admin/api/resources/knowledge.kb_entries/actions/new', {
        title: 'Parking',
        body: 'Free parking behind the building.',
        published: 'true',
      });
      const id = ((await made.json()) as { record: { id: string } }).record.id;
      await admin.post(`/admin/api/resources/knowledge.kb_entries/records/${id}/edit`, { title: 'Parking and access' });
      await admin.post(`/admin/api/resources/knowledge.kb_entries/records/${id}/delete`, {});
      assert.deepEqual(await told(), [
        { entryId: id, action: 'created', title: 'Parking', published: true },
        { entryId: id, action: 'updated', title: 'Parking and access', published: true },
        { entryId: id, action: 'deleted', title: '', published: false },
      ]);
    });

    it("a module's failing change handler undoes the admin's write", async () => {
      const count = async () =>
        Number(
          (
            await t.db.unit({ role: 'connection' }, () => t.db.rows<{ n: string }>('SELECT count(*) AS n FROM mod_guarded.notes'))
          )[0].n,
        );
      const refused = await admin.post('/admin/api/resources/guarded.notes/actions/new', { title: 'forbidden' });
      const answer = (await refused.json()) as { notice?: { type: string }; record: { baseError?: { message: string } } };
      assert.equal(answer.notice?.type, 'error', JSON.stringify(answer.notice));
      assert.match(answer.record.baseError!.message, /guarded refused this change: the guard refuses this title/);
      assert.equal(await count(), 0);
      const ids: string[] = [];
      for (const title of ['allowed', 'also allowed']) {
        const fine = await admin.post('/admin/api/resources/guarded.notes/actions/new', { title });
        assert.equal(fine.status, 200);
        ids.push(((await fine.json()) as { record: { id: string } }).record.id);
      }
      assert.equal(await count(), 2);

      const all = await admin.post(`/admin/api/resources/guarded.notes/bulk/bulkDelete?recordIds=${ids.join(',')}`, {});
      const notice = ((await all.json()) as { notice: { type: string; message: string } }).notice;
      assert.deepEqual([notice.type, notice.message], ['error', 'guarded refused this change: the last note stays']);
      assert.equal(await count(), 2, 'a bulk delete is all or nothing: the first row is back too');
      const one = await admin.post(`/admin/api/resources/guarded.notes/bulk/bulkDelete?recordIds=${ids[0]}`, {});
      assert.equal(((await one.json()) as { notice: { type: string } }).notice.type, 'success');
      assert.equal(await count(), 1);
    });
  });
});
