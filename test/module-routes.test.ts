import assert from 'node:assert/strict';
import http from 'node:http';
import { RouteSecrets, sign } from '../platform/routes/index.js';
import { contentsOf, freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { expectRefused, routeServer } from './support/modules.js';
import { actor, testPlatform, type TestPlatform } from './support/platform.js';
import { pluginDir } from './support/plugins.js';
import { statementsDuring } from './support/statements.js';

const NOTE_HANDLER = `export default async function addNote(request, ctx) {
  const { title, email, refuse, crash, weird } = request.body;
  const [note] = await ctx.query('INSERT INTO notes (workspace_id, title) VALUES ($1, $2) RETURNING id', [ctx.workspace.id, title]);
  if (email) await ctx.contacts.upsert({ emails: [email], channel: 'web' });
  await ctx.events.emit('inbox.note_added', { noteId: note.id, title });
  if (refuse) return { status: 422, body: { error: 'refused after writing' } };
  if (crash) throw new Error('secret internals');
  if (weird === 'status') return { status: 1000 };
  if (weird === 'body') return { status: 201, body: { big: 1n } };
  return { status: 201, body: { noteId: note.id, workspace: ctx.workspace.slug } };
}
`;
const SIGNED_HANDLER = `export default async function signed(request, ctx) {
  await ctx.query('INSERT INTO notes (workspace_id, title) VALUES ($1, $2)', [ctx.workspace.id, request.body.title]);
  if (request.body.refuse) return { status: 422, body: { error: 'refused after writing' } };
  return { status: 202, body: { accepted: true } };
}
`;
const READ_HANDLER = `export default async function read(request, ctx) {
  const [note] = await ctx.query('SELECT title FROM notes WHERE id::text = $1', [request.params.note]);
  return note ? { body: note } : { status: 404, body: { error: 'no such note' } };
}
`;

/** The shell's part of modules' public endpoints, exercised over HTTP with a plugin that has one route of each kind. */
describe(`module routes under /m/<id>/ (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let p: TestPlatform;
  let close: () => void;
  let base: string;
  let secrets: RouteSecrets;

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  /** A POST whose body comes in chunks, with no Content-Length to refuse it by. */
  const chunked = (path: string, body: string) =>
    new Promise<Response>((resolve, reject) => {
      const req = http.request(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve(new Response(Buffer.concat(parts), { status: res.statusCode })));
      });
      // The server may answer and close before the whole body is out: that is the point.
      req.on('error', (err) => (req.writableEnded ? undefined : reject(err)));
      for (let i = 0; i < body.length; i += 8192) req.write(body.slice(i, i + 8192));
      req.end();
    });
  const contents = () =>
    t.db.unit({ role: 'connection' }, async () => ({
      notes: await contentsOf(t.db, 'SELECT * FROM mod_inbox.notes'),
      contacts: await contentsOf(t.db, 'SELECT * FROM contacts'),
      events: await contentsOf(t.db, "SELECT * FROM events WHERE producer = 'inbox'"),
    }));
  const refused = (send: () => Promise<Response>, status: number, mention: RegExp) =>
    expectRefused(contents, send, status, mention);

  before(async () => {
    t = await freshDatabase();
    p = testPlatform(t);
    for (const slug of ['shop', 'other', 'flood', 'off']) await t.entities.workspaces.create({ slug, name: slug });
    const dir = pluginDir(
      'inbox',
      (m) => {
        m.capabilities.requires.push('contacts:write');
        m.routes = [
          {
            method: 'POST',
            path: '/:workspace/notes',
            handler: 'handlers/add-note.js',
            auth: 'public',
            rateLimit: { max: 40, windowSeconds: 60 },
            body: {
              type: 'object',
              additionalProperties: false,
              required: ['title'],
              properties: {
                title: { type: 'string', minLength: 1, maxLength: 50 },
                email: { type: 'string' },
                refuse: { type: 'boolean' },
                crash: { type: 'boolean' },
                weird: { enum: ['status', 'body'] },
              },
            },
          },
          { method: 'GET', path: '/:workspace/notes/:note', handler: 'handlers/read-note.js', auth: 'public' },
          {
            method: 'POST',
            path: '/:workspace/flood',
            handler: 'handlers/signed.js',
            auth: 'public',
            rateLimit: { max: 3, windowSeconds: 60 },
            body: { type: 'object', required: ['title'], properties: { title: { type: 'string' } } },
          },
          {
            method: 'POST',
            path: '/:workspace/signed',
            handler: 'handlers/signed.js',
            auth: 'hmac',
            body: { type: 'object', required: ['title'], properties: { title: { type: 'string' } } },
          },
        ];
      },
      { 'handlers/add-note.js': NOTE_HANDLER, 'handlers/signed.js': SIGNED_HANDLER, 'handlers/read-note.js': READ_HANDLER },
    );
    await p.add(dir, 'inbox', ['shop', 'other', 'flood']);
    secrets = new RouteSecrets(t.db, t.entities, p.marketplace.registry);
    ({ base, close } = await routeServer(t, p));
  });
  after(async () => {
    close?.();
    await t.drop();
  });

  it('runs a public route as its module in the named workspace: it writes, emits, and answers', async () => {
    const res = await post('/m/inbox/shop/notes', { title: 'Hello', email: 'Ann@Example.com' });
    const body = (await res.json()) as { noteId: string; workspace: string };
    assert.equal(res.status, 201);
    assert.equal(body.workspace, 'shop');
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    const read = await fetch(`${base}/m/inbox/shop/notes/${body.noteId}`);
    assert.deepEqual(await read.json(), { title: 'Hello' });
    const elsewhere = await fetch(`${base}/m/inbox/other/notes/${body.noteId}`);
    assert.equal(elsewhere.status, 404, "another workspace's route does not see the note");
    const shop = await t.entities.workspaces.bySlug('shop');
    const contact = await t.entities.contacts.findByIdentity(shop.id, 'email', 'ann@example.com');
    assert.equal(contact?.provenance[0].module, 'inbox');
    const preflight = await fetch(`${base}/m/inbox/shop/notes`, { method: 'OPTIONS' });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-methods'), 'POST');
  });

  it('refuses unknown modules, routes and workspaces, and workspaces where the module is off', async () => {
    await refused(() => post('/m/nothing/shop/notes', { title: 'x' }), 404, /no installed module "nothing"/);
    await refused(() => post('/m/inbox/shop/elsewhere', { title: 'x' }), 404, /has no route POST \/shop\/elsewhere/);
    await refused(() => post('/m/inbox/nowhere/notes', { title: 'x' }), 404, /"inbox" is not available in workspace "nowhere"/);
    await refused(() => post('/m/inbox/off/notes', { title: 'x' }), 404, /"inbox" is not available in workspace "off"/);
    const answer = async (slug: string) => {
      const res = await post(`/m/inbox/${slug}/notes`, { title: 'x' });
      return `${res.status} ${(await res.text()).replaceAll(slug, 'SLUG')}`;
    };
    assert.equal(await answer('nowhere'), await answer('off'), 'a caller cannot tell which workspaces exist');
  });

  it('sends the database the same statements for an unknown workspace as for one where the module is off', async () => {
    /** What one 404 sends, each message with the slug written SLUG. */
    const sentFor = async (slug: string) => {
      const sent = await statementsDuring(async () =>
        assert.equal((await post(`/m/inbox/${slug}/notes`, { title: 'x' })).status, 404),
      );
      // The rate limiter's purge of expired counts falls on one request in a hundred, whichever it is: its unit is left out.
      const purge = sent.findIndex((s) => s.text.startsWith('DELETE FROM route_hits WHERE window_start'));
      if (purge >= 0) sent.splice(purge - 1, 3);
      return sent.map((s) => JSON.stringify(s).replaceAll(slug, 'SLUG'));
    };
    // Once each first: what only a first request does (a module's routes built) is not what is compared.
    await sentFor('nowhere');
    await sentFor('off');
    const unknown = await sentFor('nowhere');
    const off = await sentFor('off');
    assert.ok(
      unknown.some((s) => s.includes('plinth_route_workspace')),
      unknown.join('\n'),
    );
    assert.deepEqual(off, unknown, 'the same statements, in as many round trips');
  });

  it('refuses bodies that are not JSON, too large, compressed or against the schema, before any module code runs', async () => {
    await refused(
      () => post('/m/inbox/shop/notes', 'title=x', { 'content-type': 'application/x-www-form-urlencoded' }),
      415,
      /must be JSON/,
    );
    await refused(() => post('/m/inbox/shop/notes', '{"title": ', {}), 400, /not valid JSON/);
    await refused(() => post('/m/inbox/shop/notes', { title: '' }), 400, /body\/title: must NOT have fewer than 1 characters/);
    await refused(
      () => post('/m/inbox/shop/notes', { title: 'x', colour: 'red' }),
      400,
      /must NOT have additional properties \("colour"\)/,
    );
    await refused(() => fetch(`${base}/m/inbox/shop/notes`, { method: 'POST' }), 400, /needs a JSON body/);
    await refused(() => post('/m/inbox/shop/notes', { title: 'x'.repeat(70 * 1024) }), 413, /larger than 64 KB/);
    await refused(() => post('/m/inbox/shop/notes', '{}', { 'content-encoding': 'gzip' }), 415, /encoded as "gzip"/);
    await refused(
      () => chunked('/m/inbox/shop/notes', JSON.stringify({ title: 'x'.repeat(70 * 1024) })),
      413,
      /larger than 64 KB/,
    );
  });

  it("rolls back everything a handler wrote when it refuses, and hides a crash's details", async () => {
    await refused(() => post('/m/inbox/shop/notes', { title: 'no', refuse: true }), 422, /refused after writing/);
    await refused(() => post('/m/inbox/shop/notes', { title: 'bad', email: 'not-an-email' }), 400, /emails\[0\]/);
    const before = await contents();
    const res = await post('/m/inbox/shop/notes', { title: 'boom', crash: true });
    const body = (await res.json()) as { error: string };
    assert.equal(res.status, 500);
    assert.doesNotMatch(body.error, /secret internals/);
    assert.deepEqual(await contents(), before);
    for (const weird of ['status', 'body']) {
      const odd = await post('/m/inbox/shop/notes', { title: 'odd', weird });
      assert.equal(odd.status, 500, `an answer that cannot be sent (${weird}) is the module's failure`);
      assert.deepEqual(await contents(), before, 'and its writes are undone');
    }
  });

  it('checks signed routes: timestamp within five minutes, HMAC of timestamp and raw body, per workspace', async () => {
    const body = JSON.stringify({ title: 'signed' });
    const now = () => String(Math.floor(Date.now() / 1000));
    const signed = (secret: string, ts = now(), raw = body) => ({
      'x-plinth-timestamp': ts,
      'x-plinth-signature': sign(secret, ts, raw),
    });
    await refused(
      () => post('/m/inbox/shop/signed', body, { 'x-plinth-timestamp': now() }),
      401,
      /no signing secret has been issued/,
    );
    const secret = await secrets.issue('inbox', 'shop');
    assert.equal(await secrets.issue('inbox', 'shop'), secret, 'asking again gives the same secret');
    await refused(() => post('/m/inbox/shop/signed', body), 401, /X-Plinth-Timestamp header is missing/);
    await refused(
      () => post('/m/inbox/shop/signed', body, { 'x-plinth-timestamp': now() }),
      401,
      /X-Plinth-Signature header is missing/,
    );
    await refused(() => post('/m/inbox/shop/signed', body, { 'x-plinth-timestamp': 'yesterday' }), 401, /Unix seconds/);
    const stale = String(Math.floor(Date.now() / 1000) - 6 * 60);
    await refused(() => post('/m/inbox/shop/signed', body, signed(secret, stale)), 401, /more than 5 minutes/);
    await refused(
      () => post('/m/inbox/shop/signed', body, { ...signed(secret), 'x-plinth-signature': 'md5=abc' }),
      401,
      /64 hex digits/,
    );
    const tampered = { ...signed(secret), 'x-plinth-timestamp': String(Number(now()) + 1) };
    await refused(() => post('/m/inbox/shop/signed', body, tampered), 401, /does not match/);
    await refused(
      () => post('/m/inbox/shop/signed', JSON.stringify({ title: 'changed' }), signed(secret)),
      401,
      /does not match/,
    );
    const otherSecret = await secrets.issue('inbox', 'other');
    await refused(() => post('/m/inbox/shop/signed', body, signed(otherSecret)), 401, /does not match/);

    const res = await post('/m/inbox/shop/signed', body, signed(secret));
    assert.equal(res.status, 202, await res.clone().text());
    const rotated = await secrets.issue('inbox', 'shop', { rotate: true });
    assert.notEqual(rotated, secret);
    await refused(() => post('/m/inbox/shop/signed', body, signed(secret)), 401, /does not match/);
    assert.equal((await post('/m/inbox/shop/signed', body, signed(rotated))).status, 202);
    await assert.rejects(secrets.issue('knowledge', 'shop'), /no installed module "knowledge"/);
  });

  describe('a signed request is taken once', () => {
    let secret: string;
    /** The headers of `raw` signed now, or at `ts`. */
    const signing = (raw: string, ts = String(Math.floor(Date.now() / 1000))) => ({
      'x-plinth-timestamp': ts,
      'x-plinth-signature': sign(secret, ts, raw),
    });
    const signatures = (signature: string) =>
      t.db.unit({ role: 'connection' }, () =>
        t.db.rows<{ signature: string }>('SELECT signature FROM route_signatures WHERE signature = $1', [signature]),
      );
    before(async () => {
      secret = await secrets.issue('inbox', 'shop');
    });

    it('in this process and in any other over the same database, refused 401 naming X-Plinth-Signature', async () => {
      const raw = JSON.stringify({ title: 'once' });
      const headers = signing(raw);
      assert.equal((await post('/m/inbox/shop/signed', raw, headers)).status, 202);
      await refused(() => post('/m/inbox/shop/signed', raw, headers), 401, /^this signed request was already used/);
      const elsewhere = await routeServer(t, p);
      try {
        const res = await elsewhere.post('/m/inbox/shop/signed', raw, headers);
        const body = (await res.json()) as { error: string; code: string; path: string };
        assert.equal(res.status, 401, body.error);
        assert.deepEqual([body.code, body.path], ['bad_signature', 'X-Plinth-Signature']);
      } finally {
        elsewhere.close();
      }
      assert.equal(
        (await post('/m/inbox/shop/signed', raw, signing(raw, String(Number(headers['x-plinth-timestamp']) - 1)))).status,
        202,
        'signed again, at another time, it is a new request',
      );
    });

    it('once when sent twice at the same time: one is taken, the other refused', async () => {
      const raw = JSON.stringify({ title: 'at once' });
      const headers = signing(raw);
      const before = await contents();
      const answers = await Promise.all([post('/m/inbox/shop/signed', raw, headers), post('/m/inbox/shop/signed', raw, headers)]);
      assert.deepEqual(answers.map((r) => r.status).sort(), [202, 401]);
      assert.equal((await contents()).notes.rows, before.notes.rows + 1);
    });

    it('again when its handler refused: nothing of it was kept, its signature neither', async () => {
      const raw = JSON.stringify({ title: 'undone', refuse: true });
      const headers = signing(raw);
      await refused(() => post('/m/inbox/shop/signed', raw, headers), 422, /refused after writing/);
      await refused(() => post('/m/inbox/shop/signed', raw, headers), 422, /refused after writing/);
      assert.deepEqual(await signatures(headers['x-plinth-signature'].slice('sha256='.length)), []);
    });

    it('and its signature is dropped once it could no longer pass the timestamp check', async () => {
      const expired = 'e'.repeat(64);
      await t.db.unit({ role: 'connection' }, () =>
        t.db.exec("INSERT INTO route_signatures (signature, signed_at) VALUES ($1, now() - interval '11 minutes')", [expired]),
      );
      const raw = JSON.stringify({ title: 'after a while' });
      const headers = signing(raw);
      assert.equal((await post('/m/inbox/shop/signed', raw, headers)).status, 202);
      assert.deepEqual(await signatures(expired), []);
      assert.equal((await signatures(headers['x-plinth-signature'].slice('sha256='.length))).length, 1);
    });
  });

  it("refuses a flood past the route's rate limit per workspace and address, with when to retry", async () => {
    for (let i = 0; i < 3; i++) assert.equal((await post('/m/inbox/flood/flood', { title: `n${i}` })).status, 202);
    await refused(() => post('/m/inbox/flood/flood', { title: 'too many' }), 429, /at most 3 per 60 s; try again in \d+ s/);
    await refused(() => post('/m/inbox/flood/flood', 'not even JSON'), 429, /too many requests/);
    assert.equal((await post('/m/inbox/other/flood', { title: 'elsewhere' })).status, 202, 'another workspace has its own count');
  });

  it('counts by the address a trusted proxy forwards, and ignores what an untrusted client claims', async () => {
    const flood = (to: string, forwarded: string) =>
      fetch(`${to}/m/inbox/flood/flood`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': forwarded },
        body: JSON.stringify({ title: 'x' }),
      });
    // The flood route's count for this socket address is spent by the test before: a forged header does not reset it.
    assert.equal((await flood(base, '203.0.113.7')).status, 429);
    const behindProxy = await routeServer(t, p, { trustProxy: 'loopback' });
    try {
      for (let i = 0; i < 3; i++) assert.equal((await flood(behindProxy.base, '203.0.113.8')).status, 202);
      assert.equal((await flood(behindProxy.base, '203.0.113.8')).status, 429, 'the forwarded address has its own count');
      assert.equal((await flood(behindProxy.base, '203.0.113.9')).status, 202, 'and another forwarded address another');
    } finally {
      behindProxy.close();
    }
  });

  it('is lifecycle-driven: disabling the module closes its routes at once', async () => {
    await p.marketplace.lifecycle.disable('inbox', 'other', actor);
    await refused(() => post('/m/inbox/other/notes', { title: 'x' }), 404, /not available in workspace "other"/);
    await p.marketplace.lifecycle.enable('inbox', 'other', undefined, actor);
    assert.equal((await post('/m/inbox/other/notes', { title: 'back' })).status, 201);
  });
});
