import assert from 'node:assert/strict';
import pg from 'pg';
import { EventError, EventOperations } from '../platform/events/index.js';
import { retryDelayMs } from '../platform/worker/index.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { testPlatform, type TestPlatform } from './support/platform.js';
import { pluginDir } from './support/plugins.js';

const LEAD = {
  name: 'producer.lead_captured',
  version: 2,
  payload: {
    type: 'object',
    additionalProperties: false,
    required: ['email', 'score'],
    properties: { email: { type: 'string', format: 'email' }, score: { type: 'integer', minimum: 0 } },
  },
};
/** Writes its effect — the event id — to its own table, which has no unique constraint: duplicates would show. */
const RECORD = `export default async function onLead(event, ctx) {
  await ctx.query('INSERT INTO notes (workspace_id, title, body) VALUES ($1, $2, $3)', [ctx.workspace.id, event.id, event.deliveryId]);
}
`;
/**
 * Fails until the test writes a 'healed' note (handlers run in a sandbox: the database is all it
 * shares with the test); its error tells when the attempt ran, which the delivery keeps.
 */
const FLAKY = `export default async function onLead(event, ctx) {
  const [healed] = await ctx.query("SELECT 1 FROM notes WHERE title = 'healed'");
  if (!healed) throw new Error('flaky is down at ' + Date.now());
  await ctx.query('INSERT INTO notes (workspace_id, title) VALUES ($1, $2)', [ctx.workspace.id, event.id]);
}
`;
const subscribing = (id: string, file: string, retry?: object) =>
  pluginDir(
    id,
    (m) => {
      m.capabilities.requires = [];
      m.events = { subscribes: [{ event: LEAD.name, handler: 'handlers/on-lead.js', ...(retry && { retry }) }] };
      delete m.settings;
    },
    { 'handlers/on-lead.js': file },
  );

describe(`the event bus (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let p: TestPlatform;
  let w1: { id: string; slug: string };
  let w2: { id: string; slug: string };

  const emit = (workspaceId: string, payload: unknown, options?: { idempotencyKey?: string; contactId?: string }) =>
    p.runtime.run('producer', { workspaceId }, (ctx) => ctx.events.emit(LEAD.name, payload, options));
  const effects = async (module: string, workspaceId: string) =>
    t.db.unit({ role: 'connection' }, () =>
      t.db.rows<{ title: string }>(`SELECT title FROM mod_${module}.notes WHERE workspace_id = $1 ORDER BY title`, [workspaceId]),
    );
  const eventCount = async () =>
    Number((await t.db.owner('test', () => t.db.rows<{ n: string }>('SELECT count(*) AS n FROM events')))[0].n);

  before(async () => {
    t = await freshDatabase();
    p = testPlatform(t);
    w1 = await t.entities.workspaces.create({ slug: 'bus-one', name: 'One' });
    w2 = await t.entities.workspaces.create({ slug: 'bus-two', name: 'Two' });
    await p.add(
      pluginDir('producer', (m) => {
        m.capabilities.requires = ['events:emit', 'contacts:read'];
        m.events = { emits: [LEAD] };
      }),
      'producer',
      [w1.slug, w2.slug],
    );
    await p.add(subscribing('listener', RECORD), 'listener', [w1.slug, w2.slug]);
    await p.add(subscribing('flaky', FLAKY, { maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 1000 }), 'flaky', [w1.slug]);
    await p.add(subscribing('sleeper', RECORD), 'sleeper', [w2.slug]);
  });
  after(() => t.drop());

  it('rollback of the caller leaves no event', async () => {
    const before = await eventCount();
    await assert.rejects(
      t.db.app(w1.id, async () => {
        await emit(w1.id, { email: 'gone@x.example', score: 1 });
        throw new Error('the caller fails after emitting');
      }),
      /the caller fails/,
    );
    assert.equal(await eventCount(), before);
  });

  it('an idempotency key dedupes within a workspace and not across workspaces', async () => {
    const before = await eventCount();
    const first = await emit(w1.id, { email: 'once@x.example', score: 1 }, { idempotencyKey: 'form-17' });
    const again = await emit(w1.id, { email: 'once@x.example', score: 1 }, { idempotencyKey: 'form-17' });
    const elsewhere = await emit(w2.id, { email: 'once@x.example', score: 1 }, { idempotencyKey: 'form-17' });
    assert.equal(again.id, first.id);
    assert.notEqual(elsewhere.id, first.id);
    assert.equal(await eventCount(), before + 2);
  });

  it('refuses an invalid payload naming its JSON path, and a name the manifest does not declare', async () => {
    const before = await eventCount();
    await assert.rejects(emit(w1.id, { email: 'not an email', score: 'high' }), (err: Error) => {
      assert.ok(err instanceof EventError);
      assert.match(err.message, /payload\/email: must match format "email"/);
      assert.match(err.message, /payload\/score: must be integer/);
      return true;
    });
    await assert.rejects(
      p.runtime.run('producer', { workspaceId: w1.id }, (ctx) => ctx.events.emit('producer.lead_lost', {})),
      /event "producer.lead_lost": is not declared in the manifest of module "producer"/,
    );
    await assert.rejects(
      p.runtime.run('producer', { workspaceId: w1.id }, (ctx) => ctx.events.emit('chat.lead_captured', {})),
      /is outside the prefix "producer\." of module "producer"/,
    );
    await assert.rejects(
      p.runtime.run('listener', { workspaceId: w1.id }, (ctx) => ctx.events.emit(LEAD.name, {})),
      /module "listener" may not emit events: its manifest does not require "events:emit"/,
    );
    assert.equal(await eventCount(), before);
  });

  it('checkpoint 2: a module emits typed events into the shared log', async () => {
    const contact = (await t.entities.contacts.upsert(w1.id, { emails: ['typed@x.example'], source: { module: 'producer' } }))
      .contact;
    const event = await emit(w1.id, { email: 'typed@x.example', score: 7 }, { contactId: contact.id });
    const [row] = await t.db.app(w1.id, () =>
      t.db.rows<Record<string, unknown>>(
        'SELECT name, schema_version, producer, contact_id, actor_type, actor_id, payload, subscribers FROM events WHERE id = $1',
        [event.id],
      ),
    );
    assert.deepEqual(row, {
      name: LEAD.name,
      schema_version: 2,
      producer: 'producer',
      contact_id: contact.id,
      actor_type: 'module',
      actor_id: 'producer',
      payload: { email: 'typed@x.example', score: 7 },
      subscribers: ['flaky', 'listener'],
    });
  });

  it('checkpoint 3: another module consumes them without any private-table access; a module not enabled gets nothing', async () => {
    const emitted = [
      await emit(w1.id, { email: 'a@x.example', score: 1 }),
      await emit(w2.id, { email: 'b@x.example', score: 2 }),
    ];
    await p.dispatcher().drain();
    const w1Events = await t.db.app(w1.id, () =>
      t.db.rows<{ id: string }>('SELECT id FROM events WHERE name = $1 ORDER BY id', [LEAD.name]),
    );
    assert.deepEqual(
      (await effects('listener', w1.id)).map((e) => e.title),
      w1Events.map((e) => e.id).sort(),
    );
    assert.ok((await effects('listener', w2.id)).some((e) => e.title === emitted[1].id));
    assert.deepEqual(await effects('sleeper', w1.id), [], 'sleeper is not enabled in bus-one');
    assert.equal(
      (await effects('sleeper', w2.id)).length,
      (await effects('listener', w2.id)).length,
      'sleeper gets what it is enabled for',
    );
    const listener = `${t.db.roles.prefix}mod_listener`;
    await assert.rejects(
      t.db.unit({ role: { name: listener }, workspaceId: w1.id }, () => t.db.rows('SELECT * FROM mod_producer.notes')),
      /permission denied for schema mod_producer/,
    );
    await assert.rejects(
      t.db.unit({ role: { name: listener }, workspaceId: w1.id }, () => t.db.rows('SELECT * FROM public.events')),
      /permission denied for table events/,
    );
  });

  it('a throwing handler is retried with growing delays and goes dead, while the others are delivered once', async () => {
    const event = await emit(w1.id, { email: 'retry@x.example', score: 3 });
    const dispatcher = p.dispatcher({ pollMs: 10 });
    const deadline = Date.now() + 20_000;
    // Each failure as the delivery recorded it: when the attempt ran (its error says), and when the next is due.
    // Read every few milliseconds while the dispatcher runs: attempts are at least 50 ms apart.
    const failures = new Map<number, { ranAt: number; nextAt: number }>();
    let state: { status: string; attempts: number; last_error: string; next: string } | undefined;
    dispatcher.start();
    try {
      while (Date.now() < deadline) {
        [state] = await t.db.app(w1.id, () =>
          t.db.rows<{ status: string; attempts: number; last_error: string; next: string }>(
            `SELECT status, attempts, last_error, (extract(epoch FROM next_attempt_at) * 1000)::bigint::text AS next
               FROM event_deliveries WHERE event_id = $1 AND subscriber = 'flaky'`,
            [event.id],
          ),
        );
        if (state)
          failures.set(state.attempts, { ranAt: Number(/down at (\d+)/.exec(state.last_error)![1]), nextAt: Number(state.next) });
        if (state?.status === 'dead') break;
        await new Promise((r) => setTimeout(r, 5));
      }
    } finally {
      await dispatcher.stop();
    }
    assert.deepEqual({ status: state?.status, attempts: state?.attempts }, { status: 'dead', attempts: 3 });
    assert.deepEqual([...failures.keys()].sort(), [1, 2, 3], 'every attempt was seen');
    // The policy waits 50–100 ms before attempt 2 and 100–200 ms before attempt 3 (exact figures: the next test).
    for (const [attempt, [low, high]] of [
      [1, [50, 100]],
      [2, [100, 200]],
    ] as const) {
      const { ranAt, nextAt } = failures.get(attempt)!;
      const wait = nextAt - ranAt;
      assert.ok(wait >= low - 5 && wait <= high + 50, `after attempt ${attempt} the next was due ${wait} ms later`);
      assert.ok(failures.get(attempt + 1)!.ranAt >= nextAt - 5, `attempt ${attempt + 1} did not run before it was due`);
    }
    const delivered = (await effects('listener', w1.id)).filter((e) => e.title === event.id);
    assert.equal(delivered.length, 1, 'the listener was delivered exactly once');
  });

  it('replays a dead delivery', async () => {
    const [dead] = await t.db.app(w1.id, () =>
      t.db.rows<{ event_id: string }>(
        "SELECT event_id FROM event_deliveries WHERE subscriber = 'flaky' AND status = 'dead' LIMIT 1",
      ),
    );
    await t.db.unit({ role: 'connection' }, () =>
      t.db.exec("INSERT INTO mod_flaky.notes (workspace_id, title) VALUES ($1, 'healed')", [w1.id]),
    );
    await new EventOperations(t.db).replay(`${dead.event_id}:flaky`);
    await p.dispatcher().drain();
    const [after] = await t.db.app(w1.id, () =>
      t.db.rows<{ status: string }>("SELECT status FROM event_deliveries WHERE event_id = $1 AND subscriber = 'flaky'", [
        dead.event_id,
      ]),
    );
    assert.equal(after.status, 'delivered');
    assert.ok((await effects('flaky', w1.id)).some((e) => e.title === dead.event_id));
    await assert.rejects(new EventOperations(t.db).replay(`${dead.event_id}:flaky`), /not found/);
  });

  it('backs off exponentially, capped, with jitter between half and all of the delay', () => {
    const policy = { maxAttempts: 9, initialDelayMs: 100, maxDelayMs: 1000 };
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((n) => retryDelayMs(policy, n, () => 1)),
      [100, 200, 400, 800, 1000],
    );
    assert.deepEqual(
      [1, 2, 3].map((n) => retryDelayMs(policy, n, () => 0)),
      [50, 100, 200],
    );
  });

  it('a transaction held open 5 s delays delivery and skips nothing', async function () {
    if (!onServer) this.skip(); // the embedded database runs one transaction at a time: nothing else could commit meanwhile
    this.timeout(30_000);
    const dispatcher = p.dispatcher({ pollMs: 20, sweepMs: 200 });
    dispatcher.start();
    try {
      // A transaction that takes an id first and writes its event last: its event's position is below later ones.
      const held = new pg.Client({ connectionString: t.config.databaseUrl });
      await held.connect();
      await held.query('BEGIN');
      await held.query("SELECT set_config('role', $1, true), set_config('app.workspace_id', $2, true)", [t.db.roles.app, w1.id]);
      await held.query('SELECT pg_current_xact_id()');
      const late = await emit(w1.id, { email: 'late@x.example', score: 5 });
      await new Promise((r) => setTimeout(r, 1000));
      assert.ok(!(await effects('listener', w1.id)).some((e) => e.title === late.id), 'delivery waits for the older transaction');
      const [early] = (
        await held.query(
          `INSERT INTO events (workspace_id, name, producer, actor_type, payload, subscribers)
           VALUES ($1, $2, 'producer', 'module', '{"email":"early@x.example","score":1}', '{listener}') RETURNING id`,
          [w1.id, LEAD.name],
        )
      ).rows as { id: string }[];
      await new Promise((r) => setTimeout(r, 4000));
      await held.query('COMMIT');
      await held.end();
      const deadline = Date.now() + 10_000;
      let titles: string[] = [];
      while (Date.now() < deadline) {
        titles = (await effects('listener', w1.id)).map((e) => e.title);
        if (titles.includes(late.id) && titles.includes(early.id)) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(titles.filter((x) => x === late.id).length, 1);
      assert.equal(titles.filter((x) => x === early.id).length, 1, "the older transaction's event was not skipped");
    } finally {
      await dispatcher.stop();
    }
  });
});
