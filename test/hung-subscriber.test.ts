import assert from 'node:assert/strict';
import type { Producer } from '../platform/events/index.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { testPlatform, type TestPlatform } from './support/platform.js';
import { pluginDir } from './support/plugins.js';

const EVENT = { name: 'ticker.tick_noted', version: 1, payload: { type: 'object', properties: { n: { type: 'integer' } } } };
/** Notes each delivery; the note's time against the event's is the delivery's latency. */
const RECORD = `export default async function record(event, ctx) {
  await ctx.query('INSERT INTO notes (workspace_id, title, body) VALUES ($1, $2, $3)', [ctx.workspace.id, event.id, event.occurredAt]);
}
`;
/** Never settles: its deliveries end only at its time limit. */
const HANG = `export default async function hang() {
  await new Promise(() => {});
}
`;
const STEADY = ['steady-a', 'steady-b', 'steady-c'];
const subscriber = (id: string, code: string) =>
  pluginDir(
    id,
    (m) => {
      m.capabilities.requires = [];
      m.limits = { timeoutMs: 1000 };
      m.events = { subscribes: [{ event: EVENT.name, handler: 'handlers/on.js' }] };
      delete m.settings;
    },
    { 'handlers/on.js': code },
  );

/**
 * A subscriber whose handler never settles slows nobody else: the other subscribers' p95
 * delivery latency, with it, stays within twice the p95 measured without it, in the same run;
 * and the dispatcher still stops promptly.
 */
describe(`a hung subscriber (${onServer ? 'server' : 'embedded'} database)`, function () {
  this.timeout(120_000);
  let t: TestDatabase;
  let p: TestPlatform;
  let producer: Producer;

  /** Emits `count` events 40 ms apart while the dispatcher runs; the p95 latency of the steady subscribers' deliveries. */
  async function p95(workspace: { id: string; slug: string }, count: number): Promise<number> {
    const dispatcher = p.dispatcher({ pollMs: 50 });
    dispatcher.start();
    const ids: string[] = [];
    try {
      for (let n = 0; n < count; n++) {
        ids.push((await p.bus.emit(producer, workspace.id, EVENT.name, { n })).event.id);
        await new Promise((r) => setTimeout(r, 40));
      }
      const deadline = Date.now() + 30_000;
      let latencies: number[] = [];
      while (Date.now() < deadline) {
        latencies = await t.db.unit({ role: 'connection' }, async () => {
          const rows: { ms: number }[] = [];
          for (const id of STEADY) {
            rows.push(
              ...(await t.db.rows<{ ms: number }>(
                `SELECT (extract(epoch FROM n.created_at - e.occurred_at) * 1000)::float8 AS ms
                   FROM mod_${id.replace('-', '_')}.notes n JOIN events e ON e.id::text = n.title
                  WHERE e.workspace_id = $1`,
                [workspace.id],
              )),
            );
          }
          return rows.map((r) => Number(r.ms));
        });
        if (latencies.length === count * STEADY.length) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(latencies.length, count * STEADY.length, 'every steady delivery was made');
      latencies.sort((a, b) => a - b);
      return latencies[Math.floor(0.95 * (latencies.length - 1))];
    } finally {
      const start = Date.now();
      await dispatcher.stop();
      assert.ok(Date.now() - start < 10_000, `the dispatcher stopped in ${Date.now() - start} ms`);
    }
  }

  before(async () => {
    t = await freshDatabase();
    p = testPlatform(t);
    const calm = await t.entities.workspaces.create({ slug: 'calm', name: 'Calm' });
    const stuck = await t.entities.workspaces.create({ slug: 'stuck', name: 'Stuck' });
    await p.add(
      pluginDir('ticker', (m) => {
        m.capabilities.requires = ['events:emit'];
        m.events = { emits: [EVENT] };
        delete m.settings;
      }),
      'ticker',
      [calm.slug, stuck.slug],
    );
    for (const id of STEADY) await p.add(subscriber(id, RECORD), id, [calm.slug, stuck.slug]);
    await p.add(subscriber('hung', HANG), 'hung', [stuck.slug]);
    const row = (await p.marketplace.registry.installed('ticker'))!;
    producer = { id: 'ticker', manifest: row.manifest, registryId: row.id };
  });
  after(async () => {
    p?.runtime.close();
    await t?.drop();
  });

  it("keeps the other subscribers' p95 delivery latency within twice what it is without it", async () => {
    const calm = await t.entities.workspaces.bySlug('calm');
    const stuck = await t.entities.workspaces.bySlug('stuck');
    const without = await p95(calm, 100);
    const withHung = await p95(stuck, 100);
    assert.ok(
      withHung <= 2 * without,
      `p95 ${withHung.toFixed(1)} ms with the hung subscriber, ${without.toFixed(1)} ms without`,
    );
    const [hung] = await t.db.app(stuck.id, () =>
      t.db.rows<{ n: string; error: string }>(
        "SELECT count(*)::text AS n, min(last_error) AS error FROM event_deliveries WHERE subscriber = 'hung'",
      ),
    );
    assert.ok(Number(hung.n) > 0, "the hung subscriber's deliveries failed, to be retried");
    assert.match(hung.error, /module "hung": handlers\/on\.js .*(did not finish within 1000 ms|without a statement)|not run yet/);
  });
});
