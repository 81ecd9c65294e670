import assert from 'node:assert/strict';
import { GatewayError } from '../platform/gateway/index.js';
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
    const registered = await p.market.registry.registerBundled();
    assert.ok(
      registered.some((r) => r.row.moduleId === 'knowledge' && r.row.source === 'bundled'),
      registered.map((r) => r.row.moduleId).join(', '),
    );
    await p.market.lifecycle.install('knowledge', undefined, actor);
    for (const ws of [a, b]) await p.market.lifecycle.enable('knowledge', ws.slug, undefined, actor);
    await p.add(
      pluginDir('asker', (m) => (m.dependencies = { knowledge: '^0.1.0' })),
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
    await p.market.lifecycle.enable('knowledge', a.slug, { resultLimit: 1 }, actor);
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
});
