import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { createHash, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { API_RATE_LIMIT, createApi } from '../platform/api/index.js';
import type { ContactInput } from '../platform/entities/index.js';
import { createApp, listen } from '../platform/http/index.js';
import { envFor, plinth } from './support/cli.js';
import { freshDatabase, onServer, rowCounts, type TestDatabase } from './support/database.js';
import { testPlatform } from './support/platform.js';
import { pluginDir } from './support/plugins.js';

interface Answer {
  status: number;
  type: string;
  body: any;
}

/** The workspace API over real HTTP: tokens, their workspace and scopes, pagination, problems, and the CLI that makes tokens. */
describe(`workspace API tokens (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let server: Server;
  let base: string;
  const ws = {} as Record<'a' | 'b' | 'pages', { id: string; slug: string }>;
  let readA: string;
  let readPages: string;
  let eventsA: string;
  const contactsA: string[] = [];
  let contactB: string;

  const get = async (path: string, token?: string): Promise<Answer> => {
    const res = await fetch(`${base}${path}`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.json() };
  };
  const tokenOf = async (workspaceId: string, scopes: string[], name = 'test') =>
    (await t.entities.apiTokens.create(workspaceId, { name, scopes, createdBy: 'test' })).plaintext;
  const asOwner = <R extends object>(sql: string, bind: unknown[]) => t.db.unit({ role: 'owner' }, () => t.db.rows<R>(sql, bind));
  const capture = (workspaceId: string, n: number) =>
    t.entities.contacts.upsert(workspaceId, {
      name: `Person ${n}`,
      emails: [`p${n}@api.example`],
      source: { module: 'test-api' },
    });

  before(async () => {
    t = await freshDatabase();
    for (const key of ['a', 'b', 'pages'] as const)
      ws[key] = await t.entities.workspaces.create({ slug: `api-${key}`, name: `API ${key}` });
    for (let n = 1; n <= 3; n++) contactsA.push((await capture(ws.a.id, n)).contact.id);
    contactB = (await capture(ws.b.id, 9)).contact.id;
    // One import: the five share a creation time, so only the id orders them.
    await t.entities.contacts.importMany(
      ws.pages.id,
      [1, 2, 3, 4, 5].map((n) => ({ name: `Page ${n}`, emails: [`page${n}@api.example`], source: { module: 'test-api' } })),
    );
    readA = await tokenOf(ws.a.id, ['contacts:read']);
    eventsA = await tokenOf(ws.a.id, ['events:read']);
    readPages = await tokenOf(ws.pages.id, ['contacts:read']);
    const p = testPlatform(t);
    server = await listen(
      createApp({ mode: onServer ? 'server' : 'embedded', seed: 'skipped', api: createApi(p) }),
      '127.0.0.1',
      0,
    );
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(async () => {
    server?.close();
    await t?.drop();
  });

  it("a contacts:read token lists its workspace's contacts, newest first, and reads one by id", async () => {
    const list = await get('/api/v1/api-a/contacts', readA);
    assert.equal(list.status, 200, JSON.stringify(list.body));
    assert.deepEqual(
      list.body.data.map((c: { id: string }) => c.id),
      [...contactsA].reverse(),
    );
    assert.ok(list.body.data.every((c: { workspaceId: string }) => c.workspaceId === ws.a.id));
    assert.equal(list.body.next, null);
    const one = await get(`/api/v1/api-a/contacts/${contactsA[0]}`, readA);
    assert.equal(one.status, 200);
    assert.equal(one.body.name, 'Person 1');
  });

  it("answers another workspace's contact, and another workspace's path, as it answers what does not exist", async () => {
    const theirs = await get(`/api/v1/api-a/contacts/${contactB}`, readA);
    assert.equal(theirs.status, 404);
    assert.match(theirs.type, /^application\/problem\+json/);
    assert.match(theirs.body.detail, /contact/);
    const otherPath = await get(`/api/v1/api-b/contacts/${contactB}`, readA);
    const nowhere = await get(`/api/v1/api-nowhere/contacts/${contactB}`, readA);
    assert.equal(otherPath.status, 404);
    assert.deepEqual(
      { ...otherPath.body, detail: otherPath.body.detail.replace('api-b', 'SLUG') },
      { ...nowhere.body, detail: nowhere.body.detail.replace('api-nowhere', 'SLUG') },
    );
    assert.deepEqual(Object.keys(nowhere.body).sort(), ['code', 'detail', 'status', 'title', 'type']);
    assert.equal((await get('/api/v1/api-b/contacts', readA)).status, 404);
  });

  it('refuses a missing, unknown, revoked or expired token with 401', async () => {
    const missing = await get('/api/v1/api-a/contacts');
    assert.equal(missing.status, 401);
    assert.match(missing.type, /^application\/problem\+json/);
    assert.match(missing.body.detail, /Authorization: Bearer/);
    const unknown = `plinth_${randomBytes(4).toString('hex')}_${randomBytes(32).toString('hex')}`;
    assert.equal((await get('/api/v1/api-a/contacts', unknown)).status, 401);
    assert.equal((await get('/api/v1/api-a/contacts', 'not-a-token')).status, 401);

    const revoked = await t.entities.apiTokens.create(ws.a.id, {
      name: 'to revoke',
      scopes: ['contacts:read'],
      createdBy: 'test',
    });
    assert.equal((await get('/api/v1/api-a/contacts', revoked.plaintext)).status, 200, 'it worked before');
    await t.entities.apiTokens.revoke(revoked.token.id);
    const refused = await get('/api/v1/api-a/contacts', revoked.plaintext);
    assert.equal(refused.status, 401);
    assert.match(refused.body.detail, /unknown, revoked or expired/);

    const expiring = await t.entities.apiTokens.create(ws.a.id, {
      name: 'to expire',
      scopes: ['contacts:read'],
      createdBy: 'test',
    });
    assert.equal((await get('/api/v1/api-a/contacts', expiring.plaintext)).status, 200, 'it worked before');
    // Its time passes: made two days ago, expired yesterday.
    await asOwner(
      `UPDATE api_tokens SET created_at = now() - interval '2 days', expires_at = now() - interval '1 day' WHERE id = $1 RETURNING id`,
      [expiring.token.id],
    );
    assert.equal((await get('/api/v1/api-a/contacts', expiring.plaintext)).status, 401);
  });

  it('refuses a token without contacts:read with 403 naming the scope', async () => {
    const answer = await get('/api/v1/api-a/contacts', eventsA);
    assert.equal(answer.status, 403);
    assert.match(answer.type, /^application\/problem\+json/);
    assert.match(answer.body.detail, /contacts:read/);
    assert.equal((await get(`/api/v1/api-a/contacts/${contactsA[0]}`, eventsA)).status, 403);
  });

  it('pages of 2 cover 5 contacts each exactly once, though one is added between pages', async () => {
    const all = await get('/api/v1/api-pages/contacts', readPages);
    const order = all.body.data.map((c: { id: string }) => c.id);
    assert.equal(order.length, 5);
    const seen: string[] = [];
    let path = '/api/v1/api-pages/contacts?limit=2';
    for (let page = 0; page < 5; page++) {
      const answer = await get(path, readPages);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.ok(answer.body.data.length <= 2);
      seen.push(...answer.body.data.map((c: { id: string }) => c.id));
      if (page === 0) await capture(ws.pages.id, 6);
      if (answer.body.next === null) break;
      path = `/api/v1/api-pages/contacts?limit=2&cursor=${encodeURIComponent(answer.body.next)}`;
    }
    assert.deepEqual(seen, order);
    const newest = await get('/api/v1/api-pages/contacts?limit=1', readPages);
    assert.equal(newest.body.data[0].name, 'Person 6', 'the one added meanwhile is first of a fresh listing');
  });

  it('refuses a bad limit or cursor with 400 naming the parameter', async () => {
    for (const limit of ['0', '101', 'ten', '2.5', '']) {
      const answer = await get(`/api/v1/api-a/contacts?limit=${limit}`, readA);
      assert.equal(answer.status, 400, `limit=${limit}`);
      assert.match(answer.type, /^application\/problem\+json/);
      assert.equal(answer.body.title, 'Bad Request');
      assert.deepEqual(
        answer.body.errors.map((e: { name: string }) => e.name),
        ['limit'],
      );
    }
    const cursor = await get('/api/v1/api-a/contacts?cursor=bm90LWEtY3Vyc29y', readA);
    assert.equal(cursor.status, 400);
    assert.equal(cursor.body.errors[0].name, 'cursor');
    const id = await get('/api/v1/api-a/contacts/not-a-uuid', readA);
    assert.equal(id.status, 400);
    assert.equal(id.body.errors[0].name, 'id');
  });

  it("filters contacts on their fields, sorts on an indexed one, selects fields, and never reaches another workspace's rows", async () => {
    const filter = await t.entities.workspaces.create({ slug: 'api-filter', name: 'API filter' });
    const people: Omit<ContactInput, 'source'>[] = [
      { name: 'Hot lead', emails: ['hot@filter.example'], warmth: 'hot', leadScore: 90, qualificationStatus: 'qualified' },
      { name: 'Warm lead', emails: ['Warm@Filter.example'], warmth: 'warm', leadScore: 50, qualificationStatus: 'engaged' },
      { name: 'Cold lead', phones: ['+14155552671'], leadScore: 10 },
    ];
    for (const person of people) await t.entities.contacts.upsert(filter.id, { ...person, source: { module: 'test-api' } });
    const token = await tokenOf(filter.id, ['contacts:read']);
    const names = async (query: string) => {
      const answer = await get(`/api/v1/api-filter/contacts?${query}`, token);
      assert.equal(answer.status, 200, `${query}: ${JSON.stringify(answer.body)}`);
      return answer.body.data.map((c: { name: string }) => c.name);
    };
    assert.deepEqual(await names('leadScore.gte=50'), ['Warm lead', 'Hot lead']);
    assert.deepEqual(await names('warmth.in=hot,warm&leadScore.lt=60'), ['Warm lead']);
    assert.deepEqual(await names('warmth.null=true'), ['Cold lead']);
    assert.deepEqual(await names('emails.has=WARM@filter.example'), ['Warm lead'], 'an email is compared as the shell keeps it');
    assert.deepEqual(await names('phones.has=%2B14155552671'), ['Cold lead']);
    assert.deepEqual(await names('name.contains=lead&sort=qualificationStatus'), ['Warm lead', 'Cold lead', 'Hot lead']);
    const narrow = await get('/api/v1/api-filter/contacts?fields=name,leadScore', token);
    assert.deepEqual(Object.keys(narrow.body.data[0]).sort(), ['id', 'leadScore', 'name']);
    // Another workspace's contacts are behind row-level security and the workspace condition alike.
    assert.deepEqual(await names('emails.has=p1@api.example'), []);
    assert.deepEqual(await names(`id.eq=${contactB}`), []);
    assert.deepEqual(await names(`workspaceId.eq=${ws.b.id}`), []);
    for (const [query, name] of [
      ['leadScore.contains=5', 'leadScore.contains'],
      ['warmth.eq=lukewarm', 'warmth.eq'],
      ['sort=name', 'sort'],
      ['emails.has=not-an-email', 'emails.has'],
    ]) {
      const answer = await get(`/api/v1/api-filter/contacts?${query}`, token);
      assert.equal(answer.status, 400, query);
      assert.equal(answer.body.errors[0].name, name, query);
    }
  });

  it('exports every contact a filter selects as CSV, batch after batch, each once', async () => {
    const bulk = await t.entities.workspaces.create({ slug: 'api-bulk', name: 'API bulk' });
    await t.entities.contacts.importMany(
      bulk.id,
      Array.from({ length: 2500 }, (_, n) => ({
        name: `Bulk ${n}`,
        emails: [`bulk${n}@api.example`],
        warmth: n % 2 === 0 ? ('hot' as const) : ('cold' as const),
        source: { module: 'test-api' },
      })),
    );
    const token = await tokenOf(bulk.id, ['contacts:read']);
    const res = await fetch(`${base}/api/v1/api-bulk/contacts/export?warmth.eq=hot&fields=name,emails,warmth`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 200);
    const rows: string[][] = parse(await res.text());
    assert.deepEqual(rows[0], ['id', 'name', 'emails', 'warmth']);
    const body = rows.slice(1);
    assert.equal(body.length, 1250);
    assert.equal(new Set(body.map((r) => r[0])).size, 1250, 'no contact twice');
    assert.ok(body.every((r) => r[3] === 'hot' && /^bulk\d+@api\.example$/.test(r[2])));
    const other = await fetch(`${base}/api/v1/api-a/contacts/export`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(other.status, 404, "another workspace's export is answered as a missing workspace");
  });

  it('keeps no plaintext: only the SHA-256 of the token, and records its use at most once a minute', async () => {
    const made = await t.entities.apiTokens.create(ws.a.id, { name: 'kept?', scopes: ['contacts:read'], createdBy: 'test' });
    const secret = made.plaintext.split('_')[2];
    const holding = await t.db.unit({ role: 'connection' }, () =>
      t.db.rows(`SELECT id FROM api_tokens t WHERE strpos(t::text, $1) > 0 OR strpos(t::text, $2) > 0`, [made.plaintext, secret]),
    );
    assert.deepEqual(holding, []);
    const [row] = await asOwner<{ hash: string; used: Date | null }>(
      'SELECT token_hash AS hash, last_used_at AS used FROM api_tokens WHERE id = $1',
      [made.token.id],
    );
    assert.equal(row?.hash, createHash('sha256').update(made.plaintext).digest('hex'));
    assert.equal(row?.used, null);
    assert.ok((await t.entities.apiTokens.list(ws.a.id)).every((listed) => !Object.values(listed).includes(made.plaintext)));
    await get('/api/v1/api-a/contacts?limit=1', made.plaintext);
    const [first] = await asOwner<{ used: Date }>('SELECT last_used_at AS used FROM api_tokens WHERE id = $1', [made.token.id]);
    assert.ok(first?.used);
    await get('/api/v1/api-a/contacts?limit=1', made.plaintext);
    const [second] = await asOwner<{ used: Date }>('SELECT last_used_at AS used FROM api_tokens WHERE id = $1', [made.token.id]);
    assert.equal(second?.used.getTime(), first.used.getTime());
    const [hits] = await asOwner<{ hits: number }>('SELECT hits FROM route_hits WHERE key = $1', [`api:${made.token.id}`]);
    assert.equal(hits?.hits, 2, 'each request counts against the token');
  });

  it('refuses a token past its rate limit with a 429 problem saying when to try again', async () => {
    const made = await t.entities.apiTokens.create(ws.a.id, { name: 'busy', scopes: ['contacts:read'], createdBy: 'test' });
    assert.equal((await get('/api/v1/api-a/contacts?limit=1', made.plaintext)).status, 200);
    // As if it had made every request of its window.
    await asOwner('UPDATE route_hits SET hits = $2 WHERE key = $1 RETURNING key', [`api:${made.token.id}`, API_RATE_LIMIT.max]);
    const res = await fetch(`${base}/api/v1/api-a/contacts?limit=1`, { headers: { authorization: `Bearer ${made.plaintext}` } });
    assert.equal(res.status, 429);
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.ok(Number(res.headers.get('retry-after')) >= 1);
    assert.match(((await res.json()) as { detail: string }).detail, /too many requests from this token/);
    assert.equal((await get('/api/v1/api-a/contacts?limit=1', readA)).status, 200, 'other tokens are counted apart');
  });

  it("row-level security keeps a workspace's tokens inside it", async () => {
    assert.deepEqual(await t.db.app(null, () => t.db.rows('SELECT id FROM api_tokens')), []);
    assert.deepEqual(await t.db.app(ws.b.id, () => t.db.rows('SELECT id FROM api_tokens')), []);
    assert.ok((await t.entities.apiTokens.list(ws.a.id)).length >= 2);
    await assert.rejects(
      t.db.app(ws.b.id, () =>
        t.db.exec(
          `INSERT INTO api_tokens (workspace_id, name, scopes, token_hash, prefix, expires_at, created_by)
           VALUES ($1, 'planted', '{contacts:read}', repeat('0', 64), '00000000', now() + interval '1 day', 'test')`,
          [ws.a.id],
        ),
      ),
      /row-level security/,
    );
  });

  it('takes a module scope only for a table of an installed module', async () => {
    await testPlatform(t).add(
      pluginDir('inbox', (m) => (m.capabilities.requires = [])),
      'inbox',
      [ws.a.slug],
    );
    const made = await t.entities.apiTokens.create(ws.a.id, { name: 'notes', scopes: ['inbox:notes:read'], createdBy: 'test' });
    assert.deepEqual(made.token.scopes, ['inbox:notes:read']);
    await assert.rejects(
      t.entities.apiTokens.create(ws.a.id, { name: 'tasks', scopes: ['contacts:read', 'inbox:tasks:write'], createdBy: 'test' }),
      /scopes\[1\]: "inbox:tasks:write": no installed module "inbox" has a table "tasks"/,
    );
  });

  describe('plinth token', () => {
    let env: NodeJS.ProcessEnv;
    before(() => {
      env = envFor(t.config);
    });

    it('refuses bad input, naming what is wrong, and writes nothing', async () => {
      const cases: [string[], RegExp][] = [
        [['--scopes', 'contacts:read,contacts:delete'], /scopes\[1\]: "contacts:delete" is not a scope/],
        [
          ['--scopes', 'nomodule:notes:read'],
          /scopes\[0\]: "nomodule:notes:read": no installed module "nomodule" has a table "notes"/,
        ],
        [['--scopes', ''], /scopes\[0\]: "" is not a scope/],
        [['--scopes', 'contacts:read', '--expires', '2020-01-01'], /expiresAt: 2020-01-01T00:00:00.000Z is not in the future/],
        [['--scopes', 'contacts:read', '--expires', 'soon'], /--expires: "soon" is neither/],
        [['--scopes', 'contacts:read', '--workspace', 'api-nowhere'], /workspace "api-nowhere" not found/],
      ];
      const before = await rowCounts(t.db, ['api_tokens', 'workspaces']);
      for (const [args, message] of cases) {
        const run = await plinth(['token', 'create', '--workspace', 'api-a', '--name', 'bad', ...args], env);
        assert.equal(run.code, 1, `${args.join(' ')}: ${run.stdout}`);
        assert.match(run.stderr, message);
        assert.equal(run.stdout, '');
      }
      assert.deepEqual(await rowCounts(t.db, ['api_tokens', 'workspaces']), before);
    });

    it('creates a token printed once, lists it without its secret, and revokes it', async () => {
      const made = await plinth(
        ['token', 'create', '--workspace', 'api-a', '--name', 'sync job', '--scopes', 'contacts:read', '--expires', '30d'],
        env,
      );
      assert.equal(made.code, 0, made.stderr);
      const [plaintext, summary] = made.stdout.trim().split('\n');
      assert.match(plaintext, /^plinth_[0-9a-f]{8}_[0-9a-f]{64}$/);
      const [, id, expires] = /^token ([0-9a-f-]{36}) \([0-9a-f]{8}\) for api-a, expires (\S+)$/.exec(summary) ?? [];
      const days = (new Date(expires).getTime() - Date.now()) / 86_400_000;
      assert.ok(days > 29.9 && days <= 30, `expires in ${days} days`);
      assert.equal((await get('/api/v1/api-a/contacts', plaintext)).status, 200);

      const listed = await plinth(['token', 'list', '--workspace', 'api-a'], env);
      assert.equal(listed.code, 0, listed.stderr);
      const line = listed.stdout.split('\n').find((l) => l.startsWith(id));
      assert.match(line!, new RegExp(`\\t${plaintext.slice(0, 15)}_…\\tsync job\\tcontacts:read\\tactive\\t`));
      assert.ok(!listed.stdout.includes(plaintext.slice(16)), 'no secret in the list');

      const revoked = await plinth(['token', 'revoke', id], env);
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.equal((await get('/api/v1/api-a/contacts', plaintext)).status, 401);
      const unknown = await plinth(['token', 'revoke', '00000000-0000-4000-8000-000000000000'], env);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /API token "00000000-0000-4000-8000-000000000000" not found/);
    });
  });
});
