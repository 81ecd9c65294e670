import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig, parseDuration } from '../platform/config/index.js';
import { EventBus, EventOperations, EventRetention } from '../platform/events/index.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { testPlatform, type TestPlatform } from './support/platform.js';
import { pluginDir } from './support/plugins.js';

const NOTED = {
  name: 'producer.thing_noted',
  version: 1,
  payload: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } },
};
const RECORD = `export default async function on(event, ctx) {
  await ctx.query('INSERT INTO notes (workspace_id, title) VALUES ($1, $2)', [ctx.workspace.id, event.id]);
}
`;
/** Fails until the test heals it, with a 'healed' note (the database is all a sandbox shares with the test). */
const DOOMED = `export default async function on(event, ctx) {
  const [healed] = await ctx.query("SELECT 1 FROM notes WHERE title = 'healed'");
  if (!healed) throw new Error('doomed is down');
  await ctx.query('INSERT INTO notes (workspace_id, title) VALUES ($1, $2)', [ctx.workspace.id, event.id]);
}
`;
const subscriber = (id: string, code: string) =>
  pluginDir(
    id,
    (m) => {
      m.capabilities.requires = [];
      m.events = { subscribes: [{ event: NOTED.name, handler: 'handlers/on.js', retry: { maxAttempts: 1 } }] };
      delete m.settings;
    },
    { 'handlers/on.js': code },
  );

const SECOND = 1000;

describe(`event retention (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let p: TestPlatform;
  let ws: { id: string; slug: string };
  const retention = (keepMs: number | null) => new EventRetention(t.db, { periodMs: SECOND, keepMs, ahead: 1 });

  const emit = (n: number, key?: string) =>
    p.runtime.run('producer', { workspaceId: ws.id }, (ctx) => ctx.events.emit(NOTED.name, { n }, { idempotencyKey: key }));
  const owner = <T extends object>(sql: string, params: unknown[] = []) => t.db.owner('test', () => t.db.rows<T>(sql, params));
  const partitionOf = async (eventId: string) =>
    (await owner<{ part: string }>('SELECT tableoid::regclass::text AS part FROM events WHERE id = $1', [eventId]))[0]?.part;

  /** Partitioned periods that start after every row written so far, entered once the first has begun. */
  async function freshPeriods(): Promise<void> {
    const start = (Math.floor(Date.now() / SECOND) + 1) * SECOND;
    await retention(null).ensurePartitions(start);
    await sleep(start - Date.now() + 5);
  }
  /** The partition an event landed in, and when its period ends (a slow machine may land it in the next one). */
  async function periodOf(eventId: string): Promise<{ partition: string; end: number }> {
    const partition = await partitionOf(eventId);
    const match = /^events_(\d+)_(\d+)$/.exec(partition);
    assert.ok(match, `${eventId} is in ${partition}, not in a period's partition`);
    return { partition, end: Number(match[2]) * SECOND };
  }
  const pastEnd = (end: number) => sleep(Math.max(0, end - Date.now() + 20));

  before(async () => {
    t = await freshDatabase();
    p = testPlatform(t);
    ws = await t.entities.workspaces.create({ slug: 'keep-one', name: 'Keep' });
    await p.add(
      pluginDir('producer', (m) => {
        m.capabilities.requires = ['events:emit'];
        m.events = { emits: [NOTED] };
      }),
      'producer',
      [ws.slug],
    );
    await p.add(subscriber('listener', RECORD), 'listener', [ws.slug]);
  });
  after(() => t.drop());

  it('gives the rows written before partitioning a partition of their own, and the rest of the current period another', async () => {
    // As `plinth serve` does: migrate, then make the partitions before anything is written.
    const own = await freshDatabase();
    try {
      const DAY = 86_400_000;
      const daily = new EventRetention(own.db, { periodMs: DAY, keepMs: null, ahead: 1 });
      const history = (await daily.periods()).find((x) => x.from === 0);
      assert.ok(history && history.to <= Date.now() + SECOND, 'a partition from the beginning to the migration');
      const created = await daily.ensurePartitions();
      const tomorrow = (Math.floor(Date.now() / DAY) + 1) * DAY;
      assert.deepEqual(created, [
        `events_${history.to / SECOND}_${tomorrow / SECOND}`,
        `events_${tomorrow / SECOND}_${(tomorrow + DAY) / SECOND}`,
      ]);
      const w = await own.entities.workspaces.create({ slug: 'keep-two', name: 'Two' });
      await new EventBus(own.db).emit({ id: 'plinth' }, w.id, 'plinth.module_enabled', { module: 'any', version: '1.0.0' });
      const [{ n }] = await own.db.owner('test', () => own.db.rows<{ n: string }>('SELECT count(*) AS n FROM events_default'));
      assert.equal(n, '0', 'the default partition stays empty');
    } finally {
      await own.drop();
    }
  });

  it('makes partitions ahead of time, and events land in their period', async () => {
    await freshPeriods();
    const event = await emit(1);
    const { partition } = await periodOf(event.id);
    const period = (await retention(null).periods()).find((x) => x.partition === partition)!;
    const [{ at }] = await owner<{ at: Date }>('SELECT recorded_at AS at FROM events WHERE id = $1', [event.id]);
    assert.ok(period.from <= at.getTime() && at.getTime() < period.to, `${at.toISOString()} within ${partition}`);
    assert.equal(period.to - period.from, SECOND);
  });

  it('is off by default: an ended, delivered period stays', async () => {
    assert.equal(loadConfig({}).eventRetentionMs, null);
    await freshPeriods();
    const event = await emit(2);
    const { end } = await periodOf(event.id);
    await p.dispatcher().drain();
    await pastEnd(end);
    assert.deepEqual(await retention(null).prune(), { dropped: [], kept: [] });
    assert.ok(await partitionOf(event.id), 'the event is still there');
  });

  it('keeps a period until every subscriber has passed it, then drops it whole', async () => {
    await freshPeriods();
    const event = await emit(3, 'three');
    const { partition, end } = await periodOf(event.id);
    await pastEnd(end);
    const before = await retention(0).prune();
    assert.ok(!before.dropped.includes(partition));
    assert.match(
      before.kept.find((k) => k.partition === partition)!.reason,
      /listener has not passed it in workspace "keep-one"/,
    );
    assert.ok(await partitionOf(event.id));

    await p.dispatcher().drain();
    const after = await retention(0).prune();
    assert.ok(after.dropped.includes(partition), JSON.stringify(after));
    assert.equal(await partitionOf(event.id), undefined);
    assert.ok(!(await retention(0).periods()).some((x) => x.partition === partition));
    const [keys] = await owner<{ n: string }>("SELECT count(*) AS n FROM event_idempotency_keys WHERE key = 'three'");
    assert.equal(keys.n, '0', 'its idempotency key went with it');
    const notes = await t.db.unit({ role: 'connection' }, () =>
      t.db.rows('SELECT 1 FROM mod_listener.notes WHERE title = $1', [event.id]),
    );
    assert.equal(notes.length, 1, 'the delivery happened before the drop');
  });

  it('keeps a period that holds a dead delivery until it is replayed and delivered', async () => {
    await p.add(subscriber('doomed', DOOMED), 'doomed', [ws.slug]);
    await freshPeriods();
    const event = await emit(4);
    const { partition, end } = await periodOf(event.id);
    await p.dispatcher().drain();
    await pastEnd(end);
    const kept = await retention(0).prune();
    assert.match(kept.kept.find((k) => k.partition === partition)!.reason, /1 dead deliveries/);

    await t.db.unit({ role: 'connection' }, () =>
      t.db.exec("INSERT INTO mod_doomed.notes (workspace_id, title) VALUES ($1, 'healed')", [ws.id]),
    );
    await new EventOperations(t.db).replay(`${event.id}:doomed`);
    await p.dispatcher().drain();
    const dropped = await retention(0).prune();
    assert.ok(dropped.dropped.includes(partition), JSON.stringify(dropped));
    const [left] = await owner<{ n: string }>('SELECT count(*) AS n FROM event_deliveries WHERE event_id = $1', [event.id]);
    assert.equal(left.n, '0', 'its delivery rows went with it');
  });

  it('waits for a transaction still writing into an ended period, and loses nothing', async function () {
    if (!onServer) this.skip(); // the embedded database runs one transaction at a time
    await freshPeriods();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let written!: string;
    const late = p.runtime.run('producer', { workspaceId: ws.id }, async (ctx) => {
      written = (await ctx.events.emit(NOTED.name, { n: 5 })).id;
      await held;
    });
    // Its row is not visible yet: past the end of every period made ahead, whichever it landed in.
    const last = Math.max(...(await retention(null).periods()).map((x) => x.to));
    await pastEnd(last);
    const during = await retention(0).prune();
    release();
    await late;
    const { partition } = await periodOf(written);
    assert.match(during.kept.find((k) => k.partition === partition)!.reason, /could not lock it now/);
    await p.dispatcher().drain();
    assert.ok((await retention(0).prune()).dropped.includes(partition));
  });

  it('refuses a retention setting that is not a duration, naming it', () => {
    assert.throws(() => loadConfig({ PLINTH_EVENT_RETENTION: 'forever' }), /PLINTH_EVENT_RETENTION: "forever" is not a duration/);
    assert.throws(() => loadConfig({ PLINTH_EVENT_PERIOD: '0d' }), /PLINTH_EVENT_PERIOD: "0d" is not a duration/);
    assert.equal(parseDuration('X', '30d'), 30 * 86_400_000);
    assert.equal(loadConfig({ PLINTH_EVENT_RETENTION: '12h' }).eventRetentionMs, 12 * 3_600_000);
  });
});
