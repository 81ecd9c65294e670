import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { apiServer, type ApiServer } from './support/api-client.js';
import { freshDatabase, onServer, rowCounts, type TestDatabase } from './support/database.js';
import { testPlatform } from './support/platform.js';
import { casesPlugin } from './support/cases-plugin.js';

const MODULE_TABLES = ['events', 'api_idempotency_keys'];

/** A module's table over the workspace API: scopes, the module enabled, its onChange, filters, sorts and fields. */
describe(`workspace API: module tables (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let api: ApiServer;
  const ws = {} as Record<'a' | 'b' | 'off', { id: string; slug: string }>;
  let readA: string;
  let writeA: string;
  let contactsOnlyA: string;
  let readB: string;
  let readOff: string;
  const path = (slug: string, rest = '') => `/api/v1/${slug}/modules/acme-cases/cases${rest}`;
  const tokenOf = async (workspaceId: string, scopes: string[]) =>
    (await t.entities.apiTokens.create(workspaceId, { name: 'test', scopes, createdBy: 'test' })).plaintext;
  const casesIn = async (workspaceId: string) =>
    t.db.unit({ role: 'connection' }, () =>
      t.db.rows<{ title: string; private_note: string | null }>(
        'SELECT title, private_note FROM mod_acme_cases.cases WHERE workspace_id = $1 ORDER BY title',
        [workspaceId],
      ),
    );
  const list = async (query: string, token = readA) => api.call('GET', `${path('mt-a')}?${query}`, token);
  const titles = (answer: { status: number; body: { data: { title: string }[] } }) => {
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body.data.map((r) => r.title);
  };

  before(async () => {
    t = await freshDatabase();
    for (const key of ['a', 'b', 'off'] as const)
      ws[key] = await t.entities.workspaces.create({ slug: `mt-${key}`, name: `M ${key}` });
    const p = testPlatform(t);
    await p.add(casesPlugin(), 'acme-cases', ['mt-a', 'mt-b']);
    readA = await tokenOf(ws.a.id, ['acme-cases:cases:read']);
    writeA = await tokenOf(ws.a.id, ['acme-cases:cases:read', 'acme-cases:cases:write']);
    contactsOnlyA = await tokenOf(ws.a.id, ['contacts:read']);
    readB = await tokenOf(ws.b.id, ['acme-cases:cases:read', 'acme-cases:cases:write']);
    readOff = await tokenOf(ws.off.id, ['acme-cases:cases:read']);
    api = await apiServer(p);
    const cases = [
      { title: 'Alpha', stage: 'open', amount: 100, due_at: '2026-12-01T09:00:00Z', tags: ['vip'] },
      { title: 'Bravo', stage: 'won', amount: 2500, due_at: '2026-12-15T09:00:00Z', tags: [] },
      { title: 'Charlie', stage: 'lost', amount: 40, tags: ['vip', 'late'] },
      { title: 'Delta', amount: 700 },
      { title: 'Echo', stage: 'open', amount: 5000, due_at: '2027-01-10T09:00:00Z' },
    ];
    for (const body of cases) {
      const made = await api.call('POST', path('mt-a'), writeA, body);
      assert.equal(made.status, 201, JSON.stringify(made.body));
    }
    assert.equal((await api.call('POST', path('mt-b'), readB, { title: 'Other workspace', stage: 'open' })).status, 201);
  });
  after(async () => {
    api?.close();
    await t?.drop();
  });

  it("reads the table's rows with the table's scope, only in a workspace where the module is enabled, never another's rows", async () => {
    const all = await list('limit=100');
    assert.equal(all.status, 200, JSON.stringify(all.body));
    assert.deepEqual(titles(all), ['Echo', 'Delta', 'Charlie', 'Bravo', 'Alpha']);
    assert.ok(all.body.data.every((r: Record<string, unknown>) => !('private_note' in r) && !('workspace_id' in r)));
    assert.equal(all.body.data[0].amount, 5000, 'a whole number is a JSON number');
    const denied = await list('', contactsOnlyA);
    assert.equal(denied.status, 403);
    assert.match(denied.body.detail, /acme-cases:cases:read/);
    const off = await api.call('GET', path('mt-off'), readOff);
    assert.equal(off.status, 404);
    assert.match(off.body.detail, /not enabled/);
    const theirs = await api.call('GET', path('mt-b'), readB);
    assert.deepEqual(titles(theirs), ['Other workspace']);
    const theirId = theirs.body.data[0].id;
    assert.equal((await api.call('GET', path('mt-a', `/${theirId}`), readA)).status, 404);
    assert.equal((await api.call('GET', path('mt-a', '/not-a-uuid'), readA)).status, 400);
  });

  it('filters with typed operators, sorts on an indexed column, and answers only the fields asked for', async () => {
    assert.deepEqual(titles(await list('stage.eq=open')), ['Echo', 'Alpha']);
    assert.deepEqual(titles(await list('stage.in=won,lost')), ['Charlie', 'Bravo']);
    assert.deepEqual(titles(await list('stage.null=true')), ['Delta']);
    assert.deepEqual(titles(await list('amount.gte=700&amount.lt=5000')), ['Delta', 'Bravo']);
    assert.deepEqual(titles(await list('due_at.lt=2026-12-31T00:00:00Z')), ['Bravo', 'Alpha']);
    assert.deepEqual(titles(await list('title.contains=HAR')), ['Charlie']);
    assert.deepEqual(titles(await list('title.contains=%25')), [], 'a % is a character, not a wildcard');
    assert.deepEqual(titles(await list('tags.has=vip')), ['Charlie', 'Alpha']);
    const byStage = await list('sort=stage');
    assert.deepEqual(
      byStage.body.data.map((r: { stage: string | null }) => r.stage),
      ['lost', 'open', 'open', 'won', null],
      'ties in the order of their ids, the empty last',
    );
    const narrow = await list('fields=title&stage.eq=won');
    assert.deepEqual(Object.keys(narrow.body.data[0]).sort(), ['id', 'title']);
  });

  it('refuses a parameter the list does not have, an operator of another type, a value of another type, with 400 naming it', async () => {
    const cases: [string, string, RegExp][] = [
      ['nope.eq=1', 'nope.eq', /unknown query parameter/i],
      ['amount.contains=1', 'amount.contains', /unknown query parameter/i],
      ['amount.gt=ten', 'amount.gt', /integer/],
      ['stage.eq=pending', 'stage.eq', /open, won, lost/],
      ['stage.in=open,pending', 'stage.in', /open, won, lost/],
      ['due_at.gt=tomorrow', 'due_at.gt', /date-time/],
      ['private_note.eq=x', 'private_note.eq', /unknown query parameter/i],
      ['sort=amount', 'sort', /allowed values/],
      ['fields=title,private_note', 'fields', /pattern/],
      ['stray=1', 'stray', /unknown query parameter/i],
      ['limit=0', 'limit', />= 1/],
    ];
    for (const [query, name, detail] of cases) {
      const answer = await list(query);
      assert.equal(answer.status, 400, `${query}: ${JSON.stringify(answer.body)}`);
      assert.match(answer.type, /^application\/problem\+json/, query);
      assert.equal(answer.body.errors[0].name, name, JSON.stringify(answer.body));
      assert.match(answer.body.errors[0].detail, detail, JSON.stringify(answer.body));
    }
  });

  it('pages a sort on a nullable column: every row once, though rows are added between pages', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let added = 0;
    do {
      const page = await list(`sort=-stage&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(page.status, 200, JSON.stringify(page.body));
      seen.push(...titles(page));
      cursor = page.body.next;
      if (added++ === 0) await api.call('POST', path('mt-a'), writeA, { title: 'Added while paging' });
    } while (cursor);
    assert.equal(seen.length, new Set(seen).size, 'no row twice');
    for (const title of ['Alpha', 'Bravo', 'Charlie', 'Delta', 'Echo']) assert.ok(seen.includes(title), title);
    const ascending = (await list('sort=stage&limit=1')).body.next;
    const mixed = await list(`sort=-stage&cursor=${ascending}`);
    assert.equal(mixed.status, 400);
    assert.match(mixed.body.errors[0].detail, /keep the sort/);
    await t.db.unit({ role: 'connection' }, () =>
      t.db.exec("DELETE FROM mod_acme_cases.cases WHERE title = 'Added while paging'"),
    );
  });

  it('exports what a list selects as CSV, with the scope, hidden columns left out and formulas made inert', async () => {
    const hostile = await api.call('POST', path('mt-a'), writeA, {
      title: '=HYPERLINK("http://evil.example","x")',
      stage: 'open',
    });
    assert.equal(hostile.status, 201);
    const res = await fetch(`${api.base}${path('mt-a', '/export')}?stage.eq=open&sort=-created_at&fields=title,stage,amount`, {
      headers: { authorization: `Bearer ${readA}` },
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/csv/);
    assert.match(res.headers.get('content-disposition') ?? '', /attachment; filename="acme-cases-cases.csv"/);
    const rows: string[][] = parse(await res.text());
    assert.deepEqual(rows[0], ['id', 'title', 'stage', 'amount']);
    assert.deepEqual(
      rows.slice(1).map((r) => [r[1], r[2], r[3]]),
      [
        [`'=HYPERLINK("http://evil.example","x")`, 'open', ''],
        ['Echo', 'open', '5000'],
        ['Alpha', 'open', '100'],
      ],
    );
    const noScope = await api.call('GET', path('mt-a', '/export'), contactsOnlyA);
    assert.equal(noScope.status, 403);
    const badFilter = await api.call('GET', `${path('mt-a', '/export')}?private_note.eq=x`, readA);
    assert.equal(badFilter.status, 400);
    await t.db.unit({ role: 'connection' }, () => t.db.exec('DELETE FROM mod_acme_cases.cases WHERE id = $1', [hostile.body.id]));
  });

  it("creates, updates and deletes rows through the module's onChange, in the same transaction", async () => {
    const made = await api.call('POST', path('mt-a'), writeA, { title: 'Foxtrot', stage: 'open', amount: 3 });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal(made.headers.get('location'), path('mt-a', `/${made.body.id}`));
    const changed = await api.call('PATCH', path('mt-a', `/${made.body.id}`), writeA, { stage: 'won', amount: null });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal(changed.body.stage, 'won');
    assert.equal(changed.body.amount, null);
    assert.equal((await api.call('DELETE', path('mt-a', `/${made.body.id}`), writeA)).status, 204);
    assert.equal((await api.call('GET', path('mt-a', `/${made.body.id}`), readA)).status, 404);
    const told = await t.db.unit({ role: 'owner' }, () =>
      t.db.rows<{ action: string }>(
        "SELECT payload->>'action' AS action FROM events WHERE name = 'acme_cases.case_changed' AND payload->>'caseId' = $1 ORDER BY seq",
        [made.body.id],
      ),
    );
    assert.deepEqual(
      told.map((e) => e.action),
      ['created', 'updated', 'deleted'],
    );
  });

  it("keeps nothing of a write the module's onChange refuses (422 naming the column), nor of a body the manifest refuses (400)", async () => {
    const before = await rowCounts(t.db, MODULE_TABLES);
    const beforeRows = await casesIn(ws.a.id);
    const refused = await api.call('POST', path('mt-a'), writeA, { title: 'forbidden' });
    assert.equal(refused.status, 422, JSON.stringify(refused.body));
    assert.match(refused.body.detail, /acme-cases.*may not be called forbidden/);
    assert.equal(refused.body.errors[0].pointer, '/title');
    const bodies: [unknown, string][] = [
      [{ title: 'x', private_note: 'mine' }, '/private_note'],
      [{ title: 'x', amount: 'many' }, '/amount'],
      [{ title: 'x', stage: 'pending' }, '/stage'],
      [{ stage: 'open' }, '/title'],
      [[], ''],
    ];
    for (const [body, pointer] of bodies) {
      const answer = await api.call('POST', path('mt-a'), writeA, body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal(answer.body.errors[0].pointer, pointer, JSON.stringify(answer.body));
    }
    const alpha = (await list('title.contains=Alpha')).body.data[0].id;
    const badPatch = await api.call('PATCH', path('mt-a', `/${alpha}`), writeA, { title: null });
    assert.equal(badPatch.status, 400, 'a required column cannot be emptied');
    assert.equal((await api.call('POST', path('mt-a'), readA, { title: 'no scope' })).status, 403);
    assert.deepEqual(await rowCounts(t.db, MODULE_TABLES), before);
    assert.deepEqual(await casesIn(ws.a.id), beforeRows);
  });
});
