import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import selfsigned from 'selfsigned';
import { MAX_RESPONSE_BYTES, type SandboxError } from '../platform/sandbox/index.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { routeServer, type RouteServer } from './support/modules.js';
import { testPlatform, type TestPlatform } from './support/platform.js';
import { pluginDir } from './support/plugins.js';

/** A vendor's route that sends whatever request it is told to and reports what came back, or why not. */
const CALL = `export default async function call(request, ctx) {
  const { url, init, read } = request.body;
  try {
    const res = await ctx.fetch(url, init);
    const body = read === 'bytes' ? Array.from(new Uint8Array(await res.arrayBuffer()))
      : read === 'json' ? await res.json()
      : await res.text();
    return { body: { status: res.status, ok: res.ok, location: res.headers.get('location'), echo: res.headers.get('x-echo'), body } };
  } catch (err) {
    return { body: { refused: err.message, code: err.code ?? null } };
  }
}
`;
/** A subscriber that forwards each new note to the vendor's service: the webhook a module would send. */
const FORWARD = `export default async function forward(event, ctx) {
  const res = await ctx.fetch(ctx.settings.hook, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: event.payload.title, workspace: ctx.workspace.slug }),
  });
  if (!res.ok) throw new Error('the hook answered ' + res.status);
}
`;
const EMIT = `export default async function emit(request, ctx) {
  await ctx.events.emit('netprobe.note_added', { noteId: crypto.randomUUID(), title: request.body.title });
  return { status: 202, body: {} };
}
`;

/** An HTTPS server on loopback that keeps every request it got and answers as `respond` says. */
interface Host {
  port: number;
  seen: { method: string; path: string; headers: IncomingMessage['headers']; body: string }[];
  respond: (req: IncomingMessage, res: ServerResponse, body: string) => void;
  close(): void;
}

async function httpsHost(key: string, cert: string): Promise<Host> {
  const host: Host = {
    port: 0,
    seen: [],
    respond: (_req, res) => res.end('hello'),
    close: () => server.close(),
  };
  const server = https.createServer({ key, cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      host.seen.push({ method: req.method!, path: req.url!, headers: req.headers, body });
      host.respond(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host.port = (server.address() as AddressInfo).port;
  return host;
}

/**
 * A module reaches the network only through `ctx.fetch`, only to the hosts its manifest
 * declares, over HTTPS, to public addresses unless the operator allows more, without following
 * redirects, with a bounded body and the call's remaining time. Driven through the real routes
 * and dispatcher against HTTPS servers on loopback (which the operator setting lets through).
 */
describe(`module network to declared hosts (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let p: TestPlatform;
  let routes: RouteServer;
  let declared: Host;
  let other: Host;
  let ca: string;

  const call = (body: object, server = routes, module = 'netprobe') =>
    server.post(`/m/${module}/client-a/call`, body).then(async (res) => ({ status: res.status, body: await res.json() }));
  const at = (host: Host, name = 'localhost') => `https://${name}:${host.port}`;

  before(async () => {
    const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
      keyType: 'ec',
      algorithm: 'sha256',
      extensions: [
        {
          name: 'subjectAltName',
          altNames: [
            { type: 2, value: 'localhost' },
            { type: 7, ip: '127.0.0.1' },
          ],
        },
      ],
    });
    ca = pems.cert;
    declared = await httpsHost(pems.private, pems.cert);
    other = await httpsHost(pems.private, pems.cert);
    t = await freshDatabase();
    // The network waits of these tests hold the embedded database longer than its default idle limit.
    p = testPlatform(t, { moduleNetworkAllowPrivate: true, moduleNetworkCa: ca, moduleIdleLimitMs: 3000 });
    await t.entities.workspaces.create({ slug: 'client-a', name: 'Client A' });
    const route = (handler: string, path: string) => ({
      method: 'POST',
      path,
      handler,
      auth: 'public',
      rateLimit: { max: 1000, windowSeconds: 60 },
    });
    await p.add(
      pluginDir(
        'netprobe',
        (m) => {
          m.network = { hosts: [`localhost:${declared.port}`, `127.0.0.1:${declared.port}`] };
          m.limits = { timeoutMs: 1500 };
          m.settings.properties.hook = { type: 'string' };
          m.routes = [route('handlers/call.js', '/:workspace/call'), route('handlers/emit.js', '/:workspace/emit')];
          m.events.subscribes = [
            { event: 'netprobe.note_added', handler: 'handlers/forward.js', retry: { maxAttempts: 2, initialDelayMs: 10 } },
          ];
        },
        { 'handlers/call.js': CALL, 'handlers/forward.js': FORWARD, 'handlers/emit.js': EMIT },
      ),
      'netprobe',
      [],
    );
    await p.marketplace.lifecycle.enable(
      'netprobe',
      'client-a',
      { hook: `${at(declared)}/hook` },
      { type: 'system', id: 'test' },
    );
    await p.add(
      pluginDir('offline', (m) => void (m.routes = [route('handlers/call.js', '/:workspace/call')]), {
        'handlers/call.js': CALL,
      }),
      'offline',
      ['client-a'],
    );
    routes = await routeServer(t, p);
  });
  beforeEach(() => {
    declared.seen = [];
    other.seen = [];
    declared.respond = (_req, res) => res.end('hello');
  });
  after(async () => {
    routes?.close();
    p?.runtime.close();
    declared?.close();
    other?.close();
    await t?.drop();
  });

  it('sends a declared host the request the module wrote, and gives the module its answer', async () => {
    declared.respond = (req, res, body) => {
      res.writeHead(201, { 'content-type': 'application/json', 'x-echo': String(req.headers['x-api-key']) });
      res.end(JSON.stringify({ got: JSON.parse(body) }));
    };
    const init = { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'k-1' }, body: '{"n":1}' };
    for (const url of [`${at(declared)}/v1/items?x=1`, `${at(declared, '127.0.0.1')}/v1/items?x=1`]) {
      const { status, body } = await call({ url, init, read: 'json' });
      assert.equal(status, 200);
      assert.deepEqual(body, { status: 201, ok: true, location: null, echo: 'k-1', body: { got: { n: 1 } } });
    }
    assert.equal(declared.seen.length, 2);
    const [first] = declared.seen;
    assert.equal(first.method, 'POST');
    assert.equal(first.path, '/v1/items?x=1');
    assert.equal(first.headers.host, `localhost:${declared.port}`);
    assert.equal(first.headers['user-agent'], 'Plinth module netprobe');
  });

  it('hands over a body that is not UTF-8 byte for byte', async () => {
    const bytes = [0, 255, 128, 10, 200, 1];
    declared.respond = (_req, res) => res.end(Buffer.from(bytes));
    const { body } = await call({ url: `${at(declared)}/blob`, read: 'bytes' });
    assert.deepEqual(body.body, bytes);
  });

  it('refuses a host or port the manifest does not declare, and plain http, before connecting', async () => {
    const cases: [string, RegExp][] = [
      [
        `${at(other)}/x`,
        new RegExp(
          `localhost:${other.port} is not among the hosts the manifest declares \\(localhost:${declared.port}, 127\\.0\\.0\\.1:${declared.port}\\)`,
        ),
      ],
      [`${at(other, '127.0.0.1')}/x`, /is not among the hosts the manifest declares/],
      [`http://localhost:${declared.port}/x`, /only https is allowed, not http/],
      [`https://user:pw@localhost:${declared.port}/x`, /credentials in the URL are not sent/],
      ['not a url', /"not a url" is not an absolute URL/],
    ];
    for (const [url, refusal] of cases) {
      const { status, body } = await call({ url });
      assert.equal(status, 200, url);
      assert.match(body.refused, refusal, url);
      assert.match(body.refused, /^module "netprobe": /);
      assert.match(body.code, /^network_refused$/);
    }
    assert.equal(declared.seen.length + other.seen.length, 0, 'no request reached either server');
  });

  it('refuses a malformed request with what is wrong: a method, a header, a body on GET', async () => {
    const url = `${at(declared)}/x`;
    for (const [init, refusal] of [
      [{ method: 'CONNECT' }, /method "CONNECT" is not one of GET, HEAD, POST/],
      [{ headers: { 'x-bad': 'a\r\nx-injected: 1' } }, /header x-bad must be a single-line string/],
      [{ headers: { 'bad name': 'x' } }, /header name "bad name" is not valid/],
      [{ body: 'x' }, /a GET request has no body/],
    ] as const) {
      const { body } = await call({ url, init });
      assert.match(body.refused, refusal);
    }
    assert.equal(declared.seen.length, 0);
  });

  it('gives a module that declares no hosts no network at all', async () => {
    const { body } = await call({ url: `${at(declared)}/x` }, routes, 'offline');
    assert.match(
      body.refused,
      /module "offline": GET https:\/\/localhost:\d+: the module declares no network hosts \(manifest network\.hosts\)/,
    );
    assert.equal(declared.seen.length, 0);
  });

  it('returns a redirect to the module instead of following it off the list', async () => {
    declared.respond = (_req, res) => {
      res.writeHead(302, { location: `${at(other)}/stolen` });
      res.end();
    };
    const { body } = await call({ url: `${at(declared)}/go` });
    assert.equal(body.status, 302);
    assert.equal(body.location, `${at(other)}/stolen`);
    assert.equal(other.seen.length, 0, 'the redirect target was never asked');
    const followed = await call({ url: body.location });
    assert.match(followed.body.refused, /is not among the hosts the manifest declares/);
    assert.equal(other.seen.length, 0);
  });

  it(`refuses a response larger than ${MAX_RESPONSE_BYTES} bytes, announced or not`, async () => {
    const big = Buffer.alloc(MAX_RESPONSE_BYTES + 1, 97);
    declared.respond = (_req, res) => res.end(big);
    const announced = await call({ url: `${at(declared)}/big` });
    assert.match(
      announced.body.refused,
      new RegExp(`the response \\(${big.length} bytes\\) is larger than ${MAX_RESPONSE_BYTES} bytes`),
    );
    declared.respond = (_req, res) => {
      res.writeHead(200, { 'transfer-encoding': 'chunked' });
      for (let at = 0; at < big.length; at += 1 << 20) res.write(big.subarray(at, at + (1 << 20)));
      res.end();
    };
    const streamed = await call({ url: `${at(declared)}/big` });
    assert.match(streamed.body.refused, new RegExp(`the response is larger than ${MAX_RESPONSE_BYTES} bytes`));
    assert.equal(streamed.body.code, 'network_failed');
  });

  it('gives a request no more than the time left in its call: a host that never answers ends the call with a 503', async () => {
    declared.respond = () => {};
    const start = Date.now();
    const { status, body } = await call({ url: `${at(declared)}/slow` });
    assert.equal(status, 503);
    assert.equal(body.code, 'sandbox_timeout');
    assert.ok(Date.now() - start < 4000, 'stopped near the 1.5 s limit');
    assert.equal(declared.seen.length, 1);
  });

  it(
    onServer
      ? 'lets a slow host take its time within the call on a server database'
      : 'on the embedded database, ends a call that holds the one transaction longer than the idle limit waiting on a host',
    async () => {
      declared.respond = (_req, res) => setTimeout(() => res.end('late'), 400);
      // The default idle limit (100 ms): on the embedded database, a wait on the network holds everyone's transaction.
      const everyday = testPlatform(t, { moduleNetworkAllowPrivate: true, moduleNetworkCa: ca }).runtime;
      const workspaceId = (await t.entities.workspaces.bySlug('client-a')).id;
      const request = [['handlers/call.js', [{ body: { url: `${at(declared)}/late` } }]]] as [string, unknown[]][];
      try {
        if (onServer) {
          const [answer] = await everyday.invoke<{ body: { body: string } }[]>('netprobe', { workspaceId }, request);
          assert.equal(answer.body.body, 'late');
        } else {
          await assert.rejects(
            everyday.invoke('netprobe', { workspaceId }, request),
            (err: SandboxError) =>
              err.failure === 'timeout' &&
              /held its transaction for 100 ms waiting on the network \(PLINTH_MODULE_IDLE_MS\)/.test(err.message),
          );
        }
      } finally {
        everyday.close();
      }
    },
  );

  it('lets a subscriber send each delivered event to its declared host', async () => {
    const hooks: unknown[] = [];
    declared.respond = (_req, res, body) => {
      hooks.push(JSON.parse(body));
      res.end();
    };
    for (const title of ['first', 'second'])
      assert.equal((await routes.post('/m/netprobe/client-a/emit', { title })).status, 202);
    await p.dispatcher().drain();
    assert.deepEqual(hooks, [
      { title: 'first', workspace: 'client-a' },
      { title: 'second', workspace: 'client-a' },
    ]);
  });

  it('refuses a declared host that resolves to loopback, or is a loopback address, unless the operator allows it', async () => {
    const strict = testPlatform(t, { moduleNetworkCa: ca, moduleIdleLimitMs: 3000 }).runtime;
    const strictRoutes = await routeServer(t, { ...p, runtime: strict });
    try {
      const byName = await call({ url: `${at(declared)}/x` }, strictRoutes);
      assert.match(
        byName.body.refused,
        /localhost: (127\.0\.0\.1|::1) is a loopback address; modules reach public addresses only/,
      );
      const byAddress = await call({ url: `${at(declared, '127.0.0.1')}/x` }, strictRoutes);
      assert.match(byAddress.body.refused, /127\.0\.0\.1 is a loopback address/);
      assert.equal(declared.seen.length, 0, 'nothing reached the loopback server');
    } finally {
      strictRoutes.close();
      strict.close();
    }
  });
});
