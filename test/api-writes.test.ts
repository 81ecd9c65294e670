import assert from 'node:assert/strict';
import { apiServer, type Answer, type ApiServer } from './support/api-client.js';
import { freshDatabase, onServer, rowCounts, type TestDatabase } from './support/database.js';
import { testPlatform } from './support/platform.js';

const WRITTEN = ['contacts', 'contact_identities', 'contact_merge_candidates', 'api_idempotency_keys', 'events'];

/** The workspace API's writes, Idempotency-Key and event log, over real HTTP. */
describe(`workspace API writes and events (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let api: ApiServer;
  const ws = {} as Record<'a' | 'b', { id: string; slug: string }>;
  let writeA: string;
  let readA: string;
  let eventsA: string;
  let eventsB: string;

  const call = (method: string, path: string, token: string, body?: unknown, headers: Record<string, string> = {}) =>
    api.call(method, path, token, body, headers);
  const post = (body: unknown, token = writeA, headers: Record<string, string> = {}) =>
    call('POST', '/api/v1/wr-a/contacts', token, body, headers);
  const tokenOf = async (workspaceId: string, scopes: string[]) =>
    (await t.entities.apiTokens.create(workspaceId, { name: 'test', scopes, createdBy: 'test' })).plaintext;
  const asOwner = <R extends object>(sql: string, bind: unknown[]) => t.db.unit({ role: 'owner' }, () => t.db.rows<R>(sql, bind));
  const contactsWith = async (email: string) =>
    (await asOwner<{ id: string }>('SELECT id FROM contacts WHERE $1 = ANY(emails)', [email])).map((r) => r.id);

  before(async () => {
    t = await freshDatabase();
    for (const key of ['a', 'b'] as const) ws[key] = await t.entities.workspaces.create({ slug: `wr-${key}`, name: `W ${key}` });
    writeA = await tokenOf(ws.a.id, ['contacts:read', 'contacts:write']);
    readA = await tokenOf(ws.a.id, ['contacts:read']);
    eventsA = await tokenOf(ws.a.id, ['events:read']);
    eventsB = await tokenOf(ws.b.id, ['events:read']);
    api = await apiServer(testPlatform(t));
  });
  after(async () => {
    api?.close();
    await t?.drop();
  });

  it('creates a contact (201, Location) that a GET then reads, with the API as its provenance', async () => {
    const made = await post({ name: 'Ada Lovelace', emails: ['Ada@Example.org'], warmth: 'warm' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal(made.body.workspaceId, ws.a.id);
    assert.deepEqual(made.body.emails, ['ada@example.org']);
    assert.equal(made.headers.get('location'), `/api/v1/wr-a/contacts/${made.body.id}`);
    const read = await call('GET', made.headers.get('location')!, readA);
    assert.equal(read.status, 200);
    assert.equal(read.body.name, 'Ada Lovelace');
    assert.deepEqual(
      read.body.provenance.map((p: { module: string; channel: string }) => [p.module, p.channel]),
      [['plinth', 'api']],
    );
  });

  it('updates a contact (200), setting what the body names and leaving its identities; another workspace’s is a 404', async () => {
    const made = await post({ name: 'Before', emails: ['patch@example.org'], leadScore: 5 });
    const path = `/api/v1/wr-a/contacts/${made.body.id}`;
    const changed = await call('PATCH', path, writeA, { name: 'After', warmth: 'hot', organization: 'Analytical' });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal(changed.body.name, 'After');
    assert.equal(changed.body.warmth, 'hot');
    assert.equal(changed.body.leadScore, 5);
    assert.deepEqual(changed.body.emails, ['patch@example.org']);
    assert.equal((await call('GET', path, readA)).body.organization, 'Analytical');

    const theirs = await t.entities.contacts.upsert(ws.b.id, { emails: ['b@example.org'], source: { module: 'test-api' } });
    const before = await rowCounts(t.db, WRITTEN);
    const elsewhere = await call('PATCH', `/api/v1/wr-a/contacts/${theirs.contact.id}`, writeA, { name: 'Taken' });
    assert.equal(elsewhere.status, 404);
    const identity = await call('PATCH', path, writeA, { emails: ['other@example.org'], colour: 'red' });
    assert.equal(identity.status, 400);
    assert.deepEqual(identity.body.errors.map((e: { pointer: string }) => e.pointer).sort(), ['/colour', '/emails']);
    const score = await call('PATCH', path, writeA, { leadScore: -1 });
    assert.deepEqual(score.body.errors, [{ pointer: '/leadScore', detail: 'must be >= 0' }]);
    assert.equal((await call('PATCH', path, writeA, {})).status, 400);
    assert.equal((await call('PATCH', path, readA, { name: 'Read only' })).status, 403);
    assert.deepEqual(await rowCounts(t.db, WRITTEN), before);
  });

  it('a capture whose email is a contact’s enriches that contact (200), as the identity rules say', async () => {
    const first = await post({ emails: ['grace@example.org'] });
    assert.equal(first.status, 201);
    const again = await post({ name: 'Grace Hopper', emails: ['GRACE@example.org'], phones: ['+14155552671'] });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.id, first.body.id);
    assert.equal(again.body.name, 'Grace Hopper');
    assert.deepEqual(again.body.phones, ['+14155552671']);
    assert.deepEqual(await contactsWith('grace@example.org'), [first.body.id]);
  });

  it('refuses a contacts:read token with 403 on a write, and writes nothing', async () => {
    const before = await rowCounts(t.db, WRITTEN);
    const refused = await post({ emails: ['nobody@example.org'] }, readA, { 'Idempotency-Key': 'read-only' });
    assert.equal(refused.status, 403);
    assert.match(refused.type, /^application\/problem\+json/);
    assert.match(refused.body.detail, /contacts:write/);
    assert.deepEqual(await rowCounts(t.db, WRITTEN), before);
  });

  it('refuses a bad body with 400 naming every member at fault, and writes nothing', async () => {
    const before = await rowCounts(t.db, WRITTEN);
    // The body against the OpenAPI document first (every member it refuses), then the shell's identity rules.
    const stranger = await post({ emails: ['ok@example.org'], nickname: 'x', leadScore: 101 });
    assert.equal(stranger.status, 400, JSON.stringify(stranger.body));
    assert.match(stranger.type, /^application\/problem\+json/);
    assert.deepEqual(stranger.body.errors.map((e: { pointer: string }) => e.pointer).sort(), ['/leadScore', '/nickname']);
    assert.match(stranger.body.errors.find((e: { pointer: string }) => e.pointer === '/leadScore').detail, /<= 100/);
    const bad = await post({ emails: ['ok@example.org', 'not an email'], phones: ['12'] });
    assert.equal(bad.status, 400, JSON.stringify(bad.body));
    assert.deepEqual(bad.body.errors.map((e: { pointer: string }) => e.pointer).sort(), ['/emails/1', '/phones/0']);
    const none = await post({ name: 'No way to reach' });
    assert.equal(none.status, 400);
    assert.equal(none.body.errors[0].pointer, '/emails');
    const notJson = await call('POST', '/api/v1/wr-a/contacts', writeA, undefined, {
      'content-type': 'application/json',
    });
    assert.equal(notJson.status, 400);
    assert.deepEqual(await rowCounts(t.db, WRITTEN), before);
  });

  it('answers the same Idempotency-Key and body with the first answer, creating one contact', async () => {
    const body = { name: 'Once', emails: ['once@example.org'] };
    const first = await post(body, writeA, { 'Idempotency-Key': 'once-1' });
    assert.equal(first.status, 201);
    const before = await rowCounts(t.db, WRITTEN);
    const repeat = await post(body, writeA, { 'Idempotency-Key': 'once-1' });
    assert.equal(repeat.status, 201);
    assert.equal(JSON.stringify(repeat.body), JSON.stringify(first.body), 'the same members, in the same order');
    assert.equal(repeat.headers.get('location'), first.headers.get('location'));
    assert.deepEqual(await rowCounts(t.db, WRITTEN), before);
    assert.deepEqual(await contactsWith('once@example.org'), [first.body.id]);
  });

  it('refuses the same Idempotency-Key with another body with 422 naming the header', async () => {
    assert.equal((await post({ emails: ['k1@example.org'] }, writeA, { 'Idempotency-Key': 'reused' })).status, 201);
    const before = await rowCounts(t.db, WRITTEN);
    const other = await post({ emails: ['k2@example.org'] }, writeA, { 'Idempotency-Key': 'reused' });
    assert.equal(other.status, 422, JSON.stringify(other.body));
    assert.match(other.type, /^application\/problem\+json/);
    assert.equal(other.body.errors[0].name, 'Idempotency-Key');
    assert.deepEqual(await rowCounts(t.db, WRITTEN), before);
    // Another token's key of the same name is its own.
    const otherToken = await tokenOf(ws.a.id, ['contacts:write']);
    assert.equal((await post({ emails: ['k3@example.org'] }, otherToken, { 'Idempotency-Key': 'reused' })).status, 201);
  });

  it('two concurrent requests with one key create one contact and answer alike', async () => {
    const body = { emails: ['race@example.org'], name: 'Race' };
    const answers = await Promise.all([1, 2, 3].map(() => post(body, writeA, { 'Idempotency-Key': 'race' })));
    assert.deepEqual(
      answers.map((a) => a.status),
      [201, 201, 201],
      JSON.stringify(answers.map((a) => a.body)),
    );
    assert.equal(new Set(answers.map((a) => a.body.id)).size, 1);
    assert.equal((await contactsWith('race@example.org')).length, 1);
    const [keys] = await asOwner<{ n: string }>('SELECT count(*) AS n FROM api_idempotency_keys WHERE key = $1', ['race']);
    assert.equal(Number(keys.n), 1);
  });

  it('lists events newest first, by name or module wildcard and contact, in pages, and only its workspace’s', async () => {
    const contact = (await post({ emails: ['events@example.org'] })).body.id as string;
    const emit = (workspaceId: string, name: string, secondsAgo: number, contactId: string | null = null) =>
      asOwner(
        `INSERT INTO events (workspace_id, name, producer, actor_type, contact_id, occurred_at)
         VALUES ($1, $2, $3, 'system', $4, now() - make_interval(secs => $5)) RETURNING id`,
        [workspaceId, name, name.split('.')[0].replace(/_/g, '-'), contactId, secondsAgo],
      );
    await emit(ws.a.id, 'forms.submission_received', 50, contact);
    await emit(ws.a.id, 'forms.form_published', 40);
    await emit(ws.a.id, 'chat.message_received', 30, contact);
    await emit(ws.a.id, 'forms.submission_received', 20);
    await emit(ws.b.id, 'forms.submission_received', 10);

    const names = (answer: Answer) => answer.body.data.map((e: { name: string }) => e.name);
    const exact = await call('GET', '/api/v1/wr-a/events?name=forms.submission_received', eventsA);
    assert.equal(exact.status, 200, JSON.stringify(exact.body));
    assert.deepEqual(names(exact), ['forms.submission_received', 'forms.submission_received']);
    assert.ok(exact.body.data[0].occurredAt > exact.body.data[1].occurredAt, 'newest first');
    const wildcard = await call('GET', '/api/v1/wr-a/events?name=forms.*', eventsA);
    assert.deepEqual(names(wildcard), ['forms.submission_received', 'forms.form_published', 'forms.submission_received']);
    const byContact = await call('GET', `/api/v1/wr-a/events?contact=${contact}`, eventsA);
    assert.deepEqual(names(byContact), ['chat.message_received', 'forms.submission_received']);

    const seen: string[] = [];
    let path = '/api/v1/wr-a/events?limit=2&name=forms.*';
    for (let page = 0; page < 3; page++) {
      const answer = await call('GET', path, eventsA);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      seen.push(...answer.body.data.map((e: { id: string }) => e.id));
      if (answer.body.next === null) break;
      path = `/api/v1/wr-a/events?limit=2&name=forms.*&cursor=${answer.body.next}`;
    }
    assert.deepEqual(
      seen,
      wildcard.body.data.map((e: { id: string }) => e.id),
    );

    const theirs = await call('GET', '/api/v1/wr-b/events', eventsB);
    assert.equal(theirs.status, 200);
    assert.deepEqual(names(theirs), ['forms.submission_received']);
    assert.ok(theirs.body.data.every((e: { workspaceId: string }) => e.workspaceId === ws.b.id));
    assert.equal((await call('GET', '/api/v1/wr-a/events', eventsB)).status, 404);
    const badName = await call('GET', '/api/v1/wr-a/events?name=forms', eventsA);
    assert.equal(badName.status, 400);
    assert.equal(badName.body.errors[0].name, 'name');
    assert.equal((await call('GET', '/api/v1/wr-a/events', readA)).status, 403);
  });
});
