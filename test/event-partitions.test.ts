import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventRetention } from '../platform/events/index.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { testPlatform, type TestPlatform } from './support/platform.js';

const SECOND = 1000;
const NAME = /^events_(\d+)_(\d+)$/;

describe(`event partitions made ahead (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let p: TestPlatform;
  let ws: { id: string };
  const retention = (keepMs: number | null = null, ahead = 1) => new EventRetention(t.db, { periodMs: SECOND, keepMs, ahead });
  const owner = <T extends object>(sql: string, params: unknown[] = []) => t.db.owner('test', () => t.db.rows<T>(sql, params));
  const emit = async () =>
    (await p.bus.emit({ id: 'plinth' }, ws.id, 'plinth.module_enabled', { module: 'any', version: '1.0.0' })).event.id;
  /** Writes an event as if the clock read `at`: the seam to a period no partition was made for. */
  const emitAt = async (at: number) =>
    (
      await owner<{ id: string }>(
        `INSERT INTO events (workspace_id, name, producer, actor_type, recorded_at)
         VALUES ($1, 'plinth.module_enabled', 'plinth', 'system', $2) RETURNING id::text AS id`,
        [ws.id, new Date(at)],
      )
    )[0].id;
  const inDefault = async () => Number((await owner<{ n: string }>('SELECT count(*) AS n FROM ONLY events_default'))[0].n);
  const pastEnd = (end: number) => sleep(Math.max(0, end - Date.now() + 20));

  /** Each event is there once, in the partition of the period its recorded_at falls in; returns those partitions. */
  async function assertInTheirPeriods(ids: string[]): Promise<Map<string, { from: number; to: number }>> {
    const rows = await owner<{ id: string; part: string; at: Date }>(
      'SELECT id::text AS id, tableoid::regclass::text AS part, recorded_at AS at FROM events WHERE id = ANY($1::uuid[])',
      [ids],
    );
    assert.deepEqual(rows.map((r) => r.id).sort(), [...ids].sort(), 'every event, each once');
    const parts = new Map<string, { from: number; to: number }>();
    for (const r of rows) {
      const match = NAME.exec(r.part);
      assert.ok(match, `event ${r.id} is in ${r.part}, not in a period's partition`);
      const [from, to] = [Number(match[1]) * SECOND, Number(match[2]) * SECOND];
      assert.ok(from <= r.at.getTime() && r.at.getTime() < to, `${r.at.toISOString()} within ${r.part}`);
      assert.ok(to - from <= SECOND, `${r.part} is one period at most`);
      parts.set(r.part, { from, to });
    }
    return parts;
  }

  before(async () => {
    t = await freshDatabase();
    p = testPlatform(t, { eventPeriodMs: SECOND });
    ws = await t.entities.workspaces.create({ slug: 'parts', name: 'Parts' });
    // Past the partition the migration gave the rows before it: from here, no partition exists yet.
    const history = (await retention().periods()).find((x) => x.from === 0)!;
    await pastEnd(history.to);
  });
  after(() => t.drop());

  it('moves the events waiting in the default partition into their periods, losing and repeating none', async () => {
    const ids = [await emit(), await emit(), await emitAt(Date.now() + 3_600_000)];
    assert.equal(await inDefault(), 3, 'no partition was made for them: they wait in events_default');
    const created = await retention().ensurePartitions();
    assert.equal(await inDefault(), 0);
    const parts = await assertInTheirPeriods(ids);
    for (const part of parts.keys()) assert.ok(created.includes(part), `${part} made now (${created.join(', ')})`);
    // Periods last a second here: a later call may make the one that has come into range meanwhile, never one made already.
    const again = await retention().ensurePartitions();
    assert.deepEqual(
      again.filter((part) => created.includes(part)),
      [],
      'made once',
    );
  });

  it('keeps a busy log out of the default partition across period boundaries, and drops an ended period whole', async () => {
    const dispatcher = p.dispatcher();
    dispatcher.start();
    const ids: string[] = [];
    // Past the periods made at the start (the current one and three ahead): only the loop's rounds make the later ones.
    const until = Date.now() + 5.5 * SECOND;
    try {
      while (Date.now() < until) {
        ids.push(await emit());
        await sleep(50);
      }
    } finally {
      await dispatcher.stop();
    }
    assert.equal(await inDefault(), 0);
    const parts = await assertInTheirPeriods(ids);
    assert.ok(parts.size >= 5, `the events span ${parts.size} periods`);

    const [first, firstPeriod] = [...parts].sort((a, b) => a[1].from - b[1].from)[0];
    await pastEnd(firstPeriod.to);
    const report = await retention(0).prune();
    assert.ok(report.dropped.includes(first), JSON.stringify(report));
    const [left] = await owner<{ n: string }>('SELECT count(*) AS n FROM events WHERE recorded_at >= $1 AND recorded_at < $2', [
      new Date(firstPeriod.from),
      new Date(firstPeriod.to),
    ]);
    assert.equal(left.n, '0', `nothing of ${first} is left anywhere, the default partition included`);
  });

  it('lets several processes make the partitions at once while events are written, and loses or repeats none', async () => {
    // Into the first period past those made so far: the emits below land where no partition exists yet.
    let covered = Date.now();
    for (const x of await retention().periods()) if (x.from <= covered && covered < x.to) covered = x.to;
    await pastEnd(covered);
    const waiting = [await emitAt(Date.now() + 60 * SECOND), await emitAt(Date.now() + 61 * SECOND), await emit()];
    const written: string[] = [];
    const lanes = Array.from({ length: 3 }, async () => {
      for (let i = 0; i < 10; i++) written.push(await emit());
    });
    // Ahead far enough that the emits never outrun the periods the makers look at.
    const makers = Array.from({ length: 4 }, () => retention(null, 10).ensurePartitions());
    const [created] = await Promise.all([Promise.all(makers), Promise.all(lanes)]);
    const all = created.flat();
    assert.equal(new Set(all).size, all.length, `each partition made by one process only: ${all.join(', ')}`);
    assert.equal(await inDefault(), 0);
    await assertInTheirPeriods([...waiting, ...written]);
  });
});
