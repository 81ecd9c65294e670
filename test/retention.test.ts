import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig, parseDuration } from '../platform/config/index.js';
import { EventOperations, EventRetention } from '../platform/events/index.js';
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
/** Fails until the test heals it. */
const DOOMED = `export default async function on(event, ctx) {
  if (!globalThis.doomedHealed) throw new Error('doomed is down');
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
  const g = globalThis as { doomedHealed?: boolean };
  const retention = (keepMs: number | null) => new EventRetention(t.db, { periodMs: SECOND, keepMs, ahead: 1 });

  const emit = (n: number, key?: string) =>
    p.runtime.run('producer', { workspaceId: ws.id }, (ctx) => ctx.events.emit(NOTED.name, { n }, { idempotencyKey: key }));
  const owner = <T extends object>(sql: string, params: unknown[] = []) => t.db.owner('test', () => t.db.rows<T>(sql, params));
  const partitionOf = async (eventId: string) =>
    (await owner<{ part: string }>('SELECT tableoid::regclass::text AS part FROM events WHERE id = $1', [eventId]))[0]?.part;

  /** A partitioned period that starts after every row written so far, entered once it has begun. */
  async function freshPeriod(): Promise<{ partition: string; end: number }> {
    const start = (Math.floor(Date.now() / SECOND) + 1) * SECOND;
    await retention(null).ensurePartitions(start);
    await sleep(start - Date.now() + 5);
    return { partition: `events_${start / SECOND}_${start / SECOND + 1}`, end: start + SECOND };
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

  it('makes partitions ahead of time, and events land in their period', async () => {
    const { partition } = await freshPeriod();
    const event = await emit(1);
    assert.equal(await partitionOf(event.id), partition);
    const periods = (await retention(null).periods()).map((x) => x.partition);
    assert.ok(periods.includes(partition), `${partition} among ${periods.join(', ')}`);
  });

  it('is off by default: an ended, delivered period stays', async () => {
    assert.equal(loadConfig({}).eventRetentionMs, null);
    const { end } = await freshPeriod();
    const event = await emit(2);
    await p.dispatcher().drain();
    await pastEnd(end);
    assert.deepEqual(await retention(null).prune(), { dropped: [], kept: [] });
    assert.ok(await partitionOf(event.id), 'the event is still there');
  });

  it('keeps a period until every subscriber has passed it, then drops it whole', async () => {
    const { partition, end } = await freshPeriod();
    const event = await emit(3, 'three');
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
    g.doomedHealed = false;
    const { partition, end } = await freshPeriod();
    const event = await emit(4);
    await p.dispatcher().drain();
    await pastEnd(end);
    const kept = await retention(0).prune();
    assert.match(kept.kept.find((k) => k.partition === partition)!.reason, /1 dead deliveries/);

    g.doomedHealed = true;
    await new EventOperations(t.db).replay(`${event.id}:doomed`);
    await p.dispatcher().drain();
    const dropped = await retention(0).prune();
    assert.ok(dropped.dropped.includes(partition), JSON.stringify(dropped));
    const [left] = await owner<{ n: string }>('SELECT count(*) AS n FROM event_deliveries WHERE event_id = $1', [event.id]);
    assert.equal(left.n, '0', 'its delivery rows went with it');
  });

  it('waits for a transaction still writing into an ended period, and loses nothing', async function () {
    if (!onServer) this.skip(); // the embedded database runs one transaction at a time
    const { partition, end } = await freshPeriod();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let written!: string;
    const late = p.runtime.run('producer', { workspaceId: ws.id }, async (ctx) => {
      written = (await ctx.events.emit(NOTED.name, { n: 5 })).id;
      await held;
    });
    await pastEnd(end);
    await sleep(50);
    const during = await retention(0).prune();
    assert.match(during.kept.find((k) => k.partition === partition)!.reason, /could not lock it now/);
    release();
    await late;
    assert.equal(await partitionOf(written), partition);
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
