/**
 * `npm run bench:events [-- --json]`: Plinth's event bus beside graphile-worker and pg-boss, in
 * one run, on one PostgreSQL server (DATABASE_URL, or the local test server), each doing the
 * same work with a no-op handler and ~300-byte payloads. Prints events/s (ms for latency) and
 * Plinth's ratio to each peer.
 */
import { performance } from 'node:perf_hooks';
import { run as runGraphile, makeWorkerUtils, type Runner, type WorkerUtils } from 'graphile-worker';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import type { Producer } from '../platform/events/index.js';
import type { TestDatabase } from '../test/support/database.js';
import type { TestPlatform } from '../test/support/platform.js';

// Before the support modules load: they read it once, to pick the server over the embedded database.
process.env.DATABASE_URL ||= 'postgres://postgres@127.0.0.1:5432/test';
process.env.LOG_LEVEL ||= 'warn';
const { freshDatabase } = await import('../test/support/database.js');
const { testPlatform } = await import('../test/support/platform.js');
const { pluginDir } = await import('../test/support/plugins.js');
const json = process.argv.includes('--json');
const N = { single: 3000, batched: 20_000, drain: 20_000, fanout: 5000, latency: 500, insert: 5000 };
const FANOUT = 5;
/**
 * Events each system fans out, unmeasured, just before the fan-out: its five subscribers start
 * it warm, as the other workloads' subscriber does (Plinth's sandboxes built, its cursors past
 * the earlier workloads' events; the queues' workers polling).
 */
const WARM_FANOUT = 50;
const IN_FLIGHT = 8;
const PAYLOAD = { form: 'contact-us', email: 'someone@example.com', name: 'Someone Example', message: 'x'.repeat(200), n: 0 };

type Workload = 'single' | 'batched' | 'drain' | 'fanout' | 'latency_p50' | 'latency_p95' | 'insert_reference';
type System = 'plinth' | 'graphile-worker' | 'pg-boss';
const results: Record<Workload, Partial<Record<System, number>>> = {
  single: {},
  batched: {},
  drain: {},
  fanout: {},
  latency_p50: {},
  latency_p95: {},
  insert_reference: {},
};

/** Counts deliveries; resolves when `target` have been made. The peers' handlers call `hit`; Plinth's dispatcher reports each committed batch. */
class Counter {
  count = 0;
  starts: number[] = [];
  private waiter: { target: number; resolve: () => void } | null = null;
  hit = (n = 1): void => {
    this.count += n;
    const now = performance.now();
    for (let i = 0; i < n; i++) this.starts.push(now);
    if (this.waiter && this.count >= this.waiter.target) this.waiter.resolve();
  };
  reached(target: number): Promise<void> {
    if (this.count >= target) return Promise.resolve();
    return new Promise((resolve) => (this.waiter = { target, resolve }));
  }
  reset(): void {
    this.count = 0;
    this.starts = [];
  }
}
const counter = new Counter();

async function inFlight(total: number, lanes: number, one: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < total) await one(next++);
    }),
  );
}

const DEADLINE_MS = 120_000;

/** Resolves with `promise`, or rejects when a workload takes longer than any figure worth printing. */
function deadline<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${DEADLINE_MS / 1000} s`)), DEADLINE_MS);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Events per second for `work`, timed until `expected` handler runs have been counted; null past the deadline. */
async function rate(expected: number, work: () => Promise<void>): Promise<number | undefined> {
  counter.reset();
  const start = performance.now();
  try {
    await deadline(
      work().then(() => counter.reached(expected)),
      `${expected} deliveries`,
    );
  } catch (err) {
    console.error(`${(err as Error).message} (${counter.count} counted)`);
    return undefined;
  }
  return Math.round(expected / ((performance.now() - start) / 1000));
}

async function latency(emit: (i: number) => Promise<unknown>): Promise<[number, number]> {
  const waits: number[] = [];
  for (let i = 0; i < N.latency; i++) {
    counter.reset();
    const t0 = performance.now();
    await emit(i);
    await deadline(counter.reached(1), 'one delivery');
    waits.push(counter.starts[0] - t0);
    await new Promise((r) => setTimeout(r, 5));
  }
  waits.sort((a, b) => a - b);
  const at = (q: number) => Math.round(waits[Math.floor(q * (waits.length - 1))] * 100) / 100;
  return [at(0.5), at(0.95)];
}

// ---- Plinth -------------------------------------------------------------------------------

/** A no-op, run in the module's sandbox like any vendor's handler; deliveries are counted as their batches commit. */
const HANDLER = 'export default async function handle() {}\n';

async function plinth(t: TestDatabase): Promise<void> {
  const p: TestPlatform = testPlatform(t);
  const ws = await t.entities.workspaces.create({ slug: 'bench', name: 'Bench' });
  const emits = [
    { name: 'source.lead_captured', version: 1, payload: { type: 'object' } },
    { name: 'source.lead_fanned', version: 1, payload: { type: 'object' } },
  ];
  await p.add(
    pluginDir('source', (m) => {
      m.capabilities.requires = ['events:emit'];
      m.events = { emits };
      delete m.settings;
    }),
    'source',
    ['bench'],
  );
  const sink = (id: string, event: string) =>
    pluginDir(
      id,
      (m) => {
        m.capabilities.requires = [];
        m.events = { subscribes: [{ event, handler: 'handlers/h.js' }] };
        delete m.settings;
      },
      { 'handlers/h.js': HANDLER },
    );
  await p.add(sink('sink', 'source.lead_captured'), 'sink', ['bench']);
  for (let i = 0; i < FANOUT; i++) await p.add(sink(`fan-${i}`, 'source.lead_fanned'), `fan-${i}`, ['bench']);
  const row = (await p.market.registry.installed('source'))!;
  const producer: Producer = { id: 'source', manifest: row.manifest, registryId: row.id };
  const emit = (i: number) => p.bus.emit(producer, ws.id, 'source.lead_captured', { ...PAYLOAD, n: i });
  const emitMany = (name: string, from: number, count: number) =>
    p.bus.emitMany(
      producer,
      ws.id,
      Array.from({ length: count }, (_, k) => ({ name, payload: { ...PAYLOAD, n: from + k } })),
    );
  const counted = { batchSize: 1000, pollMs: 50, onDelivered: (n: number) => counter.hit(n) };
  let dispatcher = p.dispatcher(counted);
  dispatcher.start();
  await rate(50, () => inFlight(50, IN_FLIGHT, emit)); // warm-up: handlers loaded, plans cached
  results.single.plinth = await rate(N.single, () => inFlight(N.single, IN_FLIGHT, emit));
  results.batched.plinth = await rate(N.batched, () =>
    inFlight(N.batched / 100, IN_FLIGHT, (i) => emitMany('source.lead_captured', i * 100, 100)),
  );
  await dispatcher.stop();
  for (let i = 0; i < N.drain; i += 1000) await emitMany('source.lead_captured', i, 1000);
  dispatcher = p.dispatcher(counted);
  results.drain.plinth = await rate(N.drain, async () => dispatcher.start());
  await rate(WARM_FANOUT * FANOUT, () => emitMany('source.lead_fanned', 0, WARM_FANOUT).then(() => {}));
  results.fanout.plinth = await rate(N.fanout * FANOUT, () =>
    inFlight(N.fanout / 100, IN_FLIGHT, (i) => emitMany('source.lead_fanned', i * 100, 100)),
  );
  [results.latency_p50.plinth, results.latency_p95.plinth] = await latency(emit);
  await dispatcher.stop();
}

// ---- graphile-worker ----------------------------------------------------------------------

async function graphile(url: string): Promise<void> {
  const tasks: Record<string, () => Promise<void>> = { noop: async () => counter.hit() };
  for (let i = 0; i < FANOUT; i++) tasks[`fan${i}`] = async () => counter.hit();
  const utils: WorkerUtils = await makeWorkerUtils({ connectionString: url });
  await utils.migrate();
  const start = (): Promise<Runner> =>
    // Tuned as graphile-worker's docs recommend for throughput: more concurrency, a local queue, no completion delay.
    runGraphile({
      connectionString: url,
      concurrency: 24,
      maxPoolSize: 25,
      noHandleSignals: true,
      pollInterval: 1000,
      taskList: tasks,
      logger: quietGraphileLogger(),
      preset: { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0 } },
    });
  let runner = await start();
  const job = (i: number) => ({ identifier: 'noop', payload: { ...PAYLOAD, n: i } });
  await rate(50, () => inFlight(50, IN_FLIGHT, (i) => utils.addJob('noop', { ...PAYLOAD, n: i })));
  results.single['graphile-worker'] = await rate(N.single, () =>
    inFlight(N.single, IN_FLIGHT, (i) => utils.addJob('noop', { ...PAYLOAD, n: i })),
  );
  results.batched['graphile-worker'] = await rate(N.batched, () =>
    inFlight(N.batched / 100, IN_FLIGHT, (b) => utils.addJobs(Array.from({ length: 100 }, (_, k) => job(b * 100 + k)))),
  );
  await runner.stop();
  for (let i = 0; i < N.drain; i += 1000) await utils.addJobs(Array.from({ length: 1000 }, (_, k) => job(i + k)));
  results.drain['graphile-worker'] = await rate(N.drain, async () => void (runner = await start()));
  const fanJobs = (from: number, events: number) =>
    Array.from({ length: events * FANOUT }, (_, k) => ({
      identifier: `fan${k % FANOUT}`,
      payload: { ...PAYLOAD, n: from + Math.floor(k / FANOUT) },
    }));
  await rate(WARM_FANOUT * FANOUT, () => utils.addJobs(fanJobs(0, WARM_FANOUT)).then(() => {}));
  results.fanout['graphile-worker'] = await rate(N.fanout * FANOUT, () =>
    inFlight(N.fanout / 100, IN_FLIGHT, (b) => utils.addJobs(fanJobs(b * 100, 100))),
  );
  [results.latency_p50['graphile-worker'], results.latency_p95['graphile-worker']] = await latency((i) =>
    utils.addJob('noop', { ...PAYLOAD, n: i }),
  );
  await runner.stop();
  await utils.release();
}

function quietGraphileLogger() {
  // graphile-worker logs every job otherwise; the benchmark prints only its table.
  const noop = () => {};
  const scope = { debug: noop, info: noop, warn: noop, error: (m: string) => console.error(m), scope: () => scope };
  return scope as never;
}

// ---- pg-boss --------------------------------------------------------------------------------

async function pgBoss(url: string): Promise<void> {
  const boss = new PgBoss({ connectionString: url, useListenNotify: true, max: 12 });
  boss.on('error', (err) => console.error(err));
  await boss.start();
  const work = { batchSize: 100, localConcurrency: IN_FLIGHT, pollingIntervalSeconds: 0.5 };
  const handle = async (jobs: unknown[]) => jobs.forEach(() => counter.hit());
  await boss.createQueue('noop', { notify: true });
  for (let i = 0; i < FANOUT; i++) {
    await boss.createQueue(`fan${i}`, { notify: true });
    await boss.subscribe('fanned', `fan${i}`);
  }
  let workers = [await boss.work('noop', work, handle)];
  for (let i = 0; i < FANOUT; i++) workers.push(await boss.work(`fan${i}`, work, handle));
  const send = (i: number) => boss.send('noop', { ...PAYLOAD, n: i });
  await rate(50, () => inFlight(50, IN_FLIGHT, send));
  results.single['pg-boss'] = await rate(N.single, () => inFlight(N.single, IN_FLIGHT, send));
  results.batched['pg-boss'] = await rate(N.batched, () =>
    inFlight(N.batched / 100, IN_FLIGHT, (b) =>
      boss.insert(
        'noop',
        Array.from({ length: 100 }, (_, k) => ({ data: { ...PAYLOAD, n: b * 100 + k } })),
      ),
    ),
  );
  await boss.offWork('noop');
  for (let i = 0; i < N.drain; i += 1000)
    await boss.insert(
      'noop',
      Array.from({ length: 1000 }, (_, k) => ({ data: { ...PAYLOAD, n: i + k } })),
    );
  results.drain['pg-boss'] = await rate(N.drain, async () => void workers.push(await boss.work('noop', work, handle)));
  await rate(WARM_FANOUT * FANOUT, () => inFlight(WARM_FANOUT, IN_FLIGHT, (i) => boss.publish('fanned', { ...PAYLOAD, n: i })));
  results.fanout['pg-boss'] = await rate(N.fanout * FANOUT, () =>
    inFlight(N.fanout, IN_FLIGHT, (i) => boss.publish('fanned', { ...PAYLOAD, n: i })),
  );
  [results.latency_p50['pg-boss'], results.latency_p95['pg-boss']] = await latency(send);
  workers = [];
  await boss.stop({ graceful: false, wait: true } as never);
}

// ---- the physical reference ----------------------------------------------------------------

async function insertReference(url: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: IN_FLIGHT });
  await pool.query(
    'CREATE TABLE IF NOT EXISTS bench_rows (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL, payload jsonb NOT NULL, occurred_at timestamptz NOT NULL DEFAULT now())',
  );
  const start = performance.now();
  await inFlight(N.insert, IN_FLIGHT, (i) =>
    pool.query('INSERT INTO bench_rows (name, payload) VALUES ($1, $2)', ['source.lead_captured', { ...PAYLOAD, n: i }]),
  );
  const figure = Math.round(N.insert / ((performance.now() - start) / 1000));
  results.insert_reference = { plinth: figure, 'graphile-worker': figure, 'pg-boss': figure };
  await pool.end();
}

// ---- run and report -------------------------------------------------------------------------

function report(): void {
  const systems: System[] = ['plinth', 'graphile-worker', 'pg-boss'];
  const rows = (Object.keys(results) as Workload[]).map((w) => {
    const r = results[w];
    const unit = w.startsWith('latency') ? 'ms' : 'events/s';
    const better = (a: number, b: number) => (unit === 'ms' ? b / a : a / b);
    const ratios =
      w === 'insert_reference'
        ? ''
        : systems
            .slice(1)
            .map((s) => (r.plinth && r[s] ? `×${better(r.plinth, r[s]).toFixed(2)} vs ${s}` : `— vs ${s}`))
            .join(', ');
    return `${w.padEnd(17)} ${systems.map((s) => String(r[s] ?? '-').padStart(16)).join('')}  ${unit.padEnd(9)} ${ratios}`;
  });
  console.log(
    `${'workload'.padEnd(17)} ${systems.map((s) => s.padStart(16)).join('')}  unit      Plinth's advantage (>1 is better)`,
  );
  console.log(rows.join('\n'));
  if (json) {
    const out: Record<string, unknown> = {};
    for (const w of Object.keys(results) as Workload[])
      out[w] = { ...results[w], unit: w.startsWith('latency') ? 'ms' : 'events/s' };
    console.log(JSON.stringify(out));
  }
}

// The peers' pools can outlive their stop() by a moment and then see their database dropped
// under them: that termination (57P01) at teardown is expected, anything else is not.
process.on('uncaughtException', (err) => {
  if ((err as { code?: string }).code !== '57P01') throw err;
});

const t = await freshDatabase();
try {
  const url = t.config.databaseUrl!;
  console.error('plinth…');
  await plinth(t);
  console.error('graphile-worker…');
  await graphile(url).catch((err) => console.error(`graphile-worker: ${(err as Error).message}`));
  console.error('pg-boss…');
  await pgBoss(url).catch((err) => console.error(`pg-boss: ${(err as Error).message}`));
  await insertReference(url);
  report();
} finally {
  await t.drop();
}
