import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StudioRequest } from '../platform/admin/studio/context.js';
import { replayDelivery } from '../platform/admin/studio/events.js';
import type { Dispatcher } from '../platform/worker/index.js';
import { envFor, plinth } from './support/cli.js';
import { freshDatabase, onServer, rowCounts, type TestDatabase } from './support/database.js';
import { testPlatform, type TestPlatform } from './support/platform.js';
import { pluginDir } from './support/plugins.js';

const CAPTURED = 'hookprod.lead_captured';
const LOST = 'hookprod.lead_lost';
const payloadSchema = { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } };

/** One request as the receiver saw it. */
interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: {
    id: string;
    name: string;
    occurredAt: string;
    contactId: string | null;
    payload: { n: number };
    deliveryId: string;
    attempt: number;
  };
}

/**
 * A real receiver on 127.0.0.1: records every request, and answers by path — `/ok…` 200,
 * `/flaky…` 500 to the first three tries of each delivery then 200, `/broken…` 500 always,
 * `/slow…` 200 after 150 ms, `/hang…` never.
 */
class Receiver {
  readonly seen: Received[] = [];
  private readonly tries = new Map<string, number>();
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = JSON.parse(raw) as Received['body'];
      this.seen.push({ path: req.url ?? '', headers: req.headers, raw, body });
      const tries = (this.tries.get(body.deliveryId) ?? 0) + 1;
      this.tries.set(body.deliveryId, tries);
      if (req.url?.startsWith('/hang')) return; // never answers
      const fail = req.url?.startsWith('/broken') || (req.url?.startsWith('/flaky') && tries <= 3);
      const answer = () => res.writeHead(fail ? 500 : 200).end(fail ? 'no' : 'ok');
      if (req.url?.startsWith('/slow')) setTimeout(answer, 150);
      else answer();
    });
  });

  listen(port = 0): Promise<string> {
    return new Promise((resolve) =>
      this.server.listen(port, '127.0.0.1', () => resolve(`http://127.0.0.1:${(this.server.address() as AddressInfo).port}`)),
    );
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  at(path: string): Received[] {
    return this.seen.filter((r) => r.path === path);
  }
}

/** Waits until `done` holds, checking every 20 ms; fails naming `what` after 60 s (a bound, not a timing assertion). */
async function until(what: string, done: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await done())) {
    if (Date.now() > deadline) assert.fail(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The receiver's check, written as the docs show it: HMAC-SHA256 of `timestamp.body`, compared in constant time. */
function verified(secret: string, r: Received): boolean {
  const timestamp = String(r.headers['x-plinth-timestamp']);
  const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${r.raw}`).digest('hex')}`;
  const given = String(r.headers['x-plinth-signature']);
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

describe(`outbound webhooks (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  /** The operator allows private addresses (the receiver is local); retries are quick. */
  let p: TestPlatform;
  const receiver = new Receiver();
  let base: string;
  const ws = {} as Record<'a' | 'b' | 'c' | 'd' | 'e' | 'f', { id: string; slug: string }>;
  let dispatcher: Dispatcher | null = null;

  const emit = (workspaceId: string, name: string, n: number) =>
    p.runtime.run('hookprod', { workspaceId }, (ctx) => ctx.events.emit(name, { n }));
  const run = (platform: TestPlatform) => {
    dispatcher = platform.dispatcher({ pollMs: 10, sweepMs: 100 });
    dispatcher.start();
  };
  const stop = async () => {
    await dispatcher?.stop();
    dispatcher = null;
  };
  const deliveries = (subscriber: string) =>
    t.db.owner('test', () =>
      t.db.rows<{ status: string; attempts: number; last_error: string | null }>(
        'SELECT status, attempts, last_error FROM event_deliveries WHERE subscriber = $1 ORDER BY created_at',
        [subscriber],
      ),
    );
  const quick = { maxAttempts: 4, initialDelayMs: 20, maxDelayMs: 100 };

  before(async () => {
    t = await freshDatabase();
    p = testPlatform(t, { webhookAllowPrivate: true, webhookRetry: quick, webhookTimeoutMs: 3000 });
    for (const key of ['a', 'b', 'c', 'd', 'e', 'f'] as const)
      ws[key] = await t.entities.workspaces.create({ slug: `hooks-${key}`, name: `Hooks ${key}` });
    await p.add(
      pluginDir('hookprod', (m) => {
        m.capabilities.requires = ['events:emit'];
        m.events = {
          emits: [
            { name: CAPTURED, version: 1, payload: payloadSchema },
            { name: LOST, version: 1, payload: payloadSchema },
          ],
        };
        delete m.settings;
      }),
      'hookprod',
      Object.values(ws).map((w) => w.slug),
    );
    base = await receiver.listen();
  });
  afterEach(stop);
  after(async () => {
    await receiver.close();
    await t?.drop();
  });

  it('delivers each event once, signed, to the webhooks that take its name or its module', async () => {
    const exact = await p.webhooks.create(ws.a.id, { url: `${base}/ok-exact`, events: [CAPTURED], createdBy: 'test' });
    const all = await p.webhooks.create(ws.a.id, { url: `${base}/ok-all`, events: ['hookprod.*'], createdBy: 'test' });
    const elsewhere = await p.webhooks.create(ws.b.id, { url: `${base}/ok-b`, events: ['hookprod.*'], createdBy: 'test' });
    assert.match(exact.secret, /^[0-9a-f]{64}$/);
    assert.ok(!(await p.webhooks.list(ws.a.id)).some((w) => JSON.stringify(w).includes(exact.secret)), 'no secret in lists');

    const sent = [await emit(ws.a.id, CAPTURED, 1), await emit(ws.a.id, LOST, 2), await emit(ws.a.id, CAPTURED, 3)];
    assert.deepEqual(sent[0].subscribers, [`webhook:${all.webhook.id}`, `webhook:${exact.webhook.id}`].sort());
    assert.deepEqual(sent[1].subscribers, [`webhook:${all.webhook.id}`]);
    run(p);
    await until('the three events at ok-all', () => receiver.at('/ok-all').length >= 3);
    await until('the two captured at ok-exact', () => receiver.at('/ok-exact').length >= 2);
    await stop();
    await p.dispatcher().drain();

    const exactSeen = receiver.at('/ok-exact');
    const allSeen = receiver.at('/ok-all');
    assert.deepEqual(
      allSeen.map((r) => r.body.payload.n),
      [1, 2, 3],
      'every event once, in order',
    );
    assert.deepEqual(
      exactSeen.map((r) => r.body.payload.n),
      [1, 3],
    );
    assert.equal(receiver.at('/ok-b').length, 0, "another workspace's webhook sees none of them");
    for (const [r, secret, id] of [
      ...exactSeen.map((r) => [r, exact.secret, exact.webhook.id] as const),
      ...allSeen.map((r) => [r, all.secret, all.webhook.id] as const),
    ]) {
      assert.ok(verified(secret, r), `signature of ${r.body.deliveryId}`);
      assert.ok(!verified(elsewhere.secret, r), 'another secret does not verify it');
      const event = sent.find((s) => s.id === r.body.id)!;
      assert.deepEqual(Object.keys(r.body), ['id', 'name', 'occurredAt', 'contactId', 'payload', 'deliveryId', 'attempt']);
      assert.equal(r.body.deliveryId, `${event.id}:webhook:${id}`);
      assert.equal(r.headers['x-plinth-delivery'], r.body.deliveryId);
      assert.equal(r.body.name, event.name);
      assert.equal(new Date(r.body.occurredAt).getTime(), event.occurredAt.getTime());
      assert.equal(r.body.attempt, 1);
      assert.equal(r.headers['content-type'], 'application/json');
    }
    const state = await p.webhooks.deliveries(ws.a.id, all.webhook.id);
    assert.deepEqual(state, { delivered: 3, retried: [] });
  });

  it('takes the events a producer writes in one batch (imports) as it takes single ones', async () => {
    const { webhook, secret } = await p.webhooks.create(ws.f.id, {
      url: `${base}/ok-many`,
      events: ['hookprod.*'],
      createdBy: 'test',
    });
    const producer = (await p.marketplace.registry.installed('hookprod'))!;
    const written = await p.bus.emitMany({ id: 'hookprod', manifest: producer.manifest, registryId: producer.id }, ws.f.id, [
      { name: CAPTURED, payload: { n: 1 } },
      { name: LOST, payload: { n: 2 } },
    ]);
    assert.equal(written, 2);
    const subscribers = await t.db.app(ws.f.id, () =>
      t.db.rows<{ subscribers: string[] }>('SELECT subscribers FROM events WHERE producer = $1 ORDER BY seq', ['hookprod']),
    );
    assert.deepEqual(
      subscribers.map((r) => r.subscribers),
      [[`webhook:${webhook.id}`], [`webhook:${webhook.id}`]],
    );
    run(p);
    await until('both at ok-many', () => receiver.at('/ok-many').length >= 2);
    await stop();
    assert.deepEqual(
      receiver.at('/ok-many').map((r) => [r.body.name, r.body.payload.n, verified(secret, r)]),
      [
        [CAPTURED, 1, true],
        [LOST, 2, true],
      ],
    );
    await p.webhooks.remove(ws.f.id, webhook.id);
  });

  it('retries a receiver that fails three times with backoff, and it gets the event on the fourth try', async () => {
    const { webhook, secret } = await p.webhooks.create(ws.c.id, { url: `${base}/flaky`, events: [CAPTURED], createdBy: 'test' });
    const event = await emit(ws.c.id, CAPTURED, 7);
    run(p);
    await until('a delivered delivery', async () =>
      (await deliveries(`webhook:${webhook.id}`)).some((d) => d.status === 'delivered'),
    );
    await stop();
    const tries = receiver.at('/flaky');
    assert.deepEqual(
      tries.map((r) => r.body.attempt),
      [1, 2, 3, 4],
    );
    assert.ok(tries.every((r) => r.body.id === event.id && verified(secret, r)));
    assert.deepEqual(await deliveries(`webhook:${webhook.id}`), [{ status: 'delivered', attempts: 4, last_error: null }]);
    const state = await p.webhooks.deliveries(ws.c.id, webhook.id);
    assert.equal(state.retried[0]?.status, 'delivered');
    assert.equal(state.retried[0]?.id, `${event.id}:webhook:${webhook.id}`);
  });

  it('dead-letters the deliveries of a receiver that is down; the event log page replays them once it is up', async () => {
    const later = new Receiver();
    const url = await later.listen();
    await later.close(); // nothing listens there now
    const { webhook, secret } = await p.webhooks.create(ws.d.id, { url: `${url}/ok-later`, events: [LOST], createdBy: 'test' });
    const events = [await emit(ws.d.id, LOST, 1), await emit(ws.d.id, LOST, 2)];
    run(p);
    await until(
      'two dead deliveries',
      async () => (await deliveries(`webhook:${webhook.id}`)).filter((d) => d.status === 'dead').length === 2,
    );
    await stop();
    for (const d of await deliveries(`webhook:${webhook.id}`)) {
      assert.equal(d.attempts, quick.maxAttempts);
      assert.match(d.last_error!, /ECONNREFUSED/);
    }
    assert.equal((await p.webhooks.get(ws.d.id, webhook.id)).consecutiveDead, 2);

    await later.listen(Number(new URL(url).port));
    try {
      const owner = { user: { workspaceId: ws.d.id, workspaceSlug: ws.d.slug, role: 'owner' } } as unknown as StudioRequest;
      for (const event of events) await replayDelivery(p, owner, `${event.id}:webhook:${webhook.id}`);
      run(p);
      await until('both replayed deliveries at the receiver', () => later.at('/ok-later').length === 2);
      await stop();
      assert.deepEqual(
        later
          .at('/ok-later')
          .map((r) => r.body.payload.n)
          .sort(),
        [1, 2],
      );
      assert.ok(later.at('/ok-later').every((r) => verified(secret, r)));
      assert.deepEqual(
        (await deliveries(`webhook:${webhook.id}`)).map((d) => d.status),
        ['delivered', 'delivered'],
      );
      assert.equal((await p.webhooks.get(ws.d.id, webhook.id)).consecutiveDead, 0, 'a delivery starts the count over');
    } finally {
      await later.close();
    }
  });

  it('switches off a webhook whose deliveries keep going dead, with an event and a notice', async () => {
    const strict = testPlatform(t, {
      webhookAllowPrivate: true,
      webhookRetry: { maxAttempts: 1, initialDelayMs: 20, maxDelayMs: 100 },
      webhookDisableAfter: 3,
    });
    const { webhook } = await strict.webhooks.create(ws.e.id, { url: `${base}/broken`, events: [CAPTURED], createdBy: 'test' });
    for (const n of [1, 2, 3]) await emit(ws.e.id, CAPTURED, n);
    run(strict);
    await until('the webhook switched off', async () => !(await strict.webhooks.get(ws.e.id, webhook.id)).active);
    await stop();
    const off = await strict.webhooks.get(ws.e.id, webhook.id);
    assert.equal(off.consecutiveDead, 3);
    assert.match(off.disabledReason!, /^3 deliveries in a row went dead \(the last: .*500/);
    const [notice, ...others] = await strict.webhooks.notices(ws.e.id);
    assert.deepEqual(others, []);
    assert.equal(notice?.webhook, webhook.id);
    assert.equal(notice?.reason, off.disabledReason);
    assert.deepEqual(await strict.webhooks.notices(ws.a.id), [], "another workspace's notices are its own");
    const [disabled] = await t.db.app(ws.e.id, () =>
      t.db.rows<{ payload: Record<string, unknown> }>("SELECT payload FROM events WHERE name = 'plinth.webhook_disabled'"),
    );
    assert.deepEqual(disabled?.payload, {
      webhook: webhook.id,
      url: `${base}/broken`,
      deadInARow: 3,
      reason: off.disabledReason,
    });
    const event = await emit(ws.e.id, CAPTURED, 4);
    assert.deepEqual(event.subscribers, [], 'a webhook switched off takes no new events');

    const on = await strict.webhooks.update(ws.e.id, webhook.id, { active: true });
    assert.deepEqual([on.active, on.consecutiveDead, on.disabledReason], [true, 0, null]);
    assert.deepEqual(await strict.webhooks.notices(ws.e.id), []);
  });

  it('counts no answer within the timeout as a failure, and a slow receiver gets every event once, in order', async () => {
    const impatient = testPlatform(t, {
      webhookAllowPrivate: true,
      webhookRetry: { maxAttempts: 1, initialDelayMs: 20, maxDelayMs: 100 },
      webhookTimeoutMs: 400,
    });
    const hang = await impatient.webhooks.create(ws.f.id, { url: `${base}/hang`, events: [LOST], createdBy: 'test' });
    const slow = await impatient.webhooks.create(ws.f.id, { url: `${base}/slow`, events: [CAPTURED], createdBy: 'test' });
    await emit(ws.f.id, LOST, 0);
    for (const n of [1, 2, 3, 4, 5, 6]) await emit(ws.f.id, CAPTURED, n);
    run(impatient);
    await until('the six events at the slow receiver', () => receiver.at('/slow').length >= 6);
    await until('the dead delivery to the one that never answers', async () =>
      (await deliveries(`webhook:${hang.webhook.id}`)).some((d) => d.status === 'dead'),
    );
    await stop();
    await impatient.dispatcher().drain();
    assert.deepEqual(
      receiver.at('/slow').map((r) => r.body.payload.n),
      [1, 2, 3, 4, 5, 6],
      'a batch cut short by a slow receiver leaves the rest to the next, in order, none twice',
    );
    assert.deepEqual(await deliveries(`webhook:${slow.webhook.id}`), []);
    const [dead] = await deliveries(`webhook:${hang.webhook.id}`);
    assert.match(dead.last_error!, /no answer within 400 ms/);
  });

  describe('refusals: private destinations and bad input', () => {
    /** The operator's default: public addresses only. */
    let guarded: TestPlatform;
    before(() => (guarded = testPlatform(t)));

    it('refuses loopback, metadata, link-local and private URLs at creation, writing nothing', async () => {
      const before = await rowCounts(t.db, ['webhooks', 'event_cursors']);
      for (const [url, message] of [
        ['http://127.0.0.1/hook', /127\.0\.0\.1 is a loopback address; webhooks reach public addresses only/],
        ['http://169.254.169.254/latest/meta-data', /169\.254\.169\.254 is a linkLocal address/],
        ['http://[fd00:ec2::254]/', /fd00:ec2::254 is a uniqueLocal address/],
        ['http://10.0.0.8:8080/', /10\.0\.0\.8 is a private address/],
        ['http://[::ffff:127.0.0.1]/', /is a loopback address/],
        [
          'http://localhost:9/hook',
          /localhost: .*(127\.0\.0\.1|::1) is a loopback address|(127\.0\.0\.1|::1) is a loopback address/,
        ],
        ['ftp://example.com/', /url: ftp is not http or https/],
        ['https://user:pw@example.com/', /credentials in the URL/],
        ['not a url', /url: "not a url" is not an absolute URL/],
      ] as const) {
        await assert.rejects(guarded.webhooks.create(ws.a.id, { url, events: [CAPTURED], createdBy: 'test' }), (err: Error) => {
          assert.match(err.message, message, url);
          return true;
        });
      }
      for (const [events, message] of [
        [[], /events: at least one event name is required/],
        [['hookprod.lead_captured', 'Bad Name'], /events\[1\]: "Bad Name" is neither an event name/],
        [['hookprod'], /events\[0\]: "hookprod" is neither/],
      ] as const) {
        await assert.rejects(
          p.webhooks.create(ws.a.id, { url: `${base}/ok`, events: [...events], createdBy: 'test' }),
          (err: Error) => (assert.match(err.message, message), true),
        );
      }
      assert.deepEqual(await rowCounts(t.db, ['webhooks', 'event_cursors']), before);
    });

    it('checks the address again at each delivery: a host that became private is refused, and nothing is sent', async () => {
      const { webhook } = await p.webhooks.create(ws.b.id, {
        url: `${base.replace('127.0.0.1', 'localhost')}/ok-rebound`,
        events: [CAPTURED],
        createdBy: 'test',
      });
      await emit(ws.b.id, CAPTURED, 5);
      run(guarded);
      await until('a failed delivery', async () => (await deliveries(`webhook:${webhook.id}`)).length > 0);
      await stop();
      const [failed] = await deliveries(`webhook:${webhook.id}`);
      assert.match(failed.last_error!, /refused: localhost: (127\.0\.0\.1|::1) is a loopback address/);
      assert.equal(receiver.at('/ok-rebound').length, 0);
      await p.webhooks.remove(ws.b.id, webhook.id);
      assert.deepEqual(await deliveries(`webhook:${webhook.id}`), [], 'removing a webhook removes its delivery rows');
    });

    it('the CLI creates, lists, updates, rotates and removes; its refusals name what is wrong and write nothing', async () => {
      const env = envFor(t.config);
      const before = await rowCounts(t.db, ['webhooks', 'event_cursors']);
      for (const [args, message] of [
        [['create', '--workspace', 'hooks-a', '--url', 'http://127.0.0.1/x', '--events', CAPTURED], /127\.0\.0\.1 is a loopback/],
        [['create', '--workspace', 'hooks-a', '--url', 'http://169.254.169.254/', '--events', CAPTURED], /linkLocal/],
        [
          ['create', '--workspace', 'hooks-a', '--url', 'https://example.com/', '--events', 'a.b_c,,mod.*'],
          /events\[1\]: "" is neither/,
        ],
        [
          ['create', '--workspace', 'no-such', '--url', 'https://example.com/', '--events', CAPTURED],
          /workspace "no-such" not found/,
        ],
        [
          ['update', '00000000-0000-4000-8000-000000000000', '--inactive'],
          /webhook "00000000-0000-4000-8000-000000000000" not found/,
        ],
        [['remove', 'not-an-id'], /id: "not-an-id" is not a UUID/],
      ] as const) {
        const out = await plinth(['webhook', ...args], env);
        assert.equal(out.code, 1, `${args.join(' ')}: ${out.stdout}`);
        assert.match(out.stderr, message);
        assert.equal(out.stdout, '');
      }
      assert.deepEqual(await rowCounts(t.db, ['webhooks', 'event_cursors']), before);

      // The operator allows private addresses in this environment: a local receiver.
      const local = envFor(t.config, { PLINTH_WEBHOOK_ALLOW_PRIVATE: '1' });
      const made = await plinth(
        ['webhook', 'create', '--workspace', 'hooks-c', '--url', `${base}/cli`, '--events', `${LOST},hookprod.*`, '--inactive'],
        local,
      );
      assert.equal(made.code, 0, made.stderr);
      const [secret, line] = made.stdout.trim().split('\n');
      assert.match(secret, /^[0-9a-f]{64}$/);
      assert.match(made.stderr, /only time the signing secret is shown/);
      const id = /webhook for hooks-c: ([0-9a-f-]{36})\t/.exec(line)![1];
      const listed = await plinth(['webhook', 'list', '--workspace', 'hooks-c'], env);
      assert.match(listed.stdout, new RegExp(`^${id}\\t${base}/cli\\t${LOST},hookprod\\.\\*\\toff\\t0 dead in a row$`, 'm'));
      assert.ok(!listed.stdout.includes(secret), 'no secret in the list');

      const both = await plinth(['webhook', 'update', id, '--active', '--inactive'], env);
      assert.match(both.stderr, /--active: give --active or --inactive, not both/);
      const bad = await plinth(['webhook', 'update', id, '--url', 'http://10.1.2.3/'], env);
      assert.match(bad.stderr, /10\.1\.2\.3 is a private address/);
      const nothing = await plinth(['webhook', 'update', id], env);
      assert.match(nothing.stderr, /nothing to change/);
      assert.deepEqual((await p.webhooks.get(ws.c.id, id)).url, `${base}/cli`, 'a refused update changed nothing');

      const updated = await plinth(['webhook', 'update', id, '--active', '--events', CAPTURED], env);
      assert.equal(updated.code, 0, updated.stderr);
      assert.match(updated.stdout, new RegExp(`\\t${CAPTURED}\\tactive\\t`));
      const rotated = await plinth(['webhook', 'rotate-secret', id], env);
      assert.equal(rotated.code, 0, rotated.stderr);
      const fresh = rotated.stdout.split('\n')[0];
      assert.match(fresh, /^[0-9a-f]{64}$/);
      assert.notEqual(fresh, secret);

      const removed = await plinth(['webhook', 'remove', id], env);
      assert.equal(removed.code, 0, removed.stderr);
      assert.deepEqual(await rowCounts(t.db, ['webhooks', 'event_cursors']), before);
    });
  });
});
