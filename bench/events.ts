/**
 * `npm run bench:events [-- --runs N] [-- --json]`: Plinth's event bus beside graphile-worker and
 * pg-boss on one PostgreSQL server (DATABASE_URL, or the local test server), each doing the same
 * work with a no-op handler and ~300-byte payloads, each tuned for throughput as its own
 * documentation says. Each system is set up once; then each run lets them take two turns in the
 * order A B C C B A, every workload at half its size per turn, so that a drift over the run falls
 * on all of them alike (decision 0030). Prints events/s (ms for latency): the median and range of
 * the runs, and Plinth's advantage over each peer (a ratio under 1 is a lead lost, printed as such).
 */
import { performance } from 'node:perf_hooks';
import { run as runGraphile, makeWorkerUtils, type Runner, type WorkerUtils } from 'graphile-worker';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import type { Producer } from '../platform/events/index.js';
import type { TestDatabase } from '../test/support/database.js';
import type { TestPlatform } from '../test/support/platform.js';
import { finish, runsArgument, type BenchRuns } from './runs.js';

// Before the support modules load: they read it once, to pick the server over the embedded database.
process.env.DATABASE_URL ||= 'postgres://postgres@127.0.0.1:5432/test';
process.env.LOG_LEVEL ||= 'warn';
const { freshDatabase } = await import('../test/support/database.js');
const { testPlatform } = await import('../test/support/platform.js');
const { pluginDir } = await import('../test/support/plugins.js');

const RUNS = runsArgument();
/** Each system's work in one run, over its two turns (each turn does half). */
const N = { single: 3000, batched: 20_000, drain: 20_000, fanout: 5000, latency: 500, insert: 5000 };
const TURNS = 2;
const BATCH = 100;
const BACKLOG_BATCH = 1000;
const FANOUT = 5;
/**
 * Events each system fans out, unmeasured, at each turn just before the fan-out: its five
 * subscribers start it warm, as the other workloads' subscriber does (Plinth's sandboxes built,
 * its cursors past the earlier workloads' events; the queues' workers polling).
 */
const WARM_FANOUT = 50;
const WARM_UP = 50;
const IN_FLIGHT = 8;
const PAYLOAD = { form: 'contact-us', email: 'someone@example.com', name: 'Someone Example', message: 'x'.repeat(200), n: 0 };

type Workload = 'single' | 'batched' | 'drain' | 'fanout' | 'latency_p50' | 'latency_p95';
type System = 'plinth' | 'graphile-worker' | 'pg-boss';
const SYSTEMS: System[] = ['plinth', 'graphile-worker', 'pg-boss'];
const WORKLOADS: Record<Workload, { name: string; unit: string; better: 'higher' | 'lower' }> = {
  single: { name: 'single emits, 8 in flight', unit: 'events/s', better: 'higher' },
  batched: { name: `batched emits (${BATCH} per transaction)`, unit: 'events/s', better: 'higher' },
  drain: { name: `drain of a ${(N.drain / TURNS).toLocaleString('en')}-event backlog`, unit: 'events/s', better: 'higher' },
  fanout: { name: `fan-out to ${FANOUT} subscribers (${BATCH} events per transaction)`, unit: 'deliveries/s', better: 'higher' },
  latency_p50: { name: 'latency p50', unit: 'ms', better: 'lower' },
  latency_p95: { name: 'latency p95', unit: 'ms', better: 'lower' },
};

/** What a system does for the bench; deliveries are counted by `counter` as its handlers run. */
interface EventSystem {
  /** Starts its workers (the drain times this, from a backlog). */
  start(): Promise<void>;
  /** Stops its workers, once every delivery counted has been made. */
  stop(): Promise<void>;
  /** One event, in a transaction of its own. */
  emit(n: number): Promise<unknown>;
  /** `count` events, in one transaction (one statement where the system inserts so). */
  emitMany(from: number, count: number): Promise<unknown>;
  /** `count` events of the fanned-out kind, each delivered to all `FANOUT` subscribers. */
  fan(from: number, count: number): Promise<unknown>;
  close(): Promise<void>;
}

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

/** A turn's deliveries and the time they took; a throughput is the sum of a run's turns, so each turn weighs by its time. */
interface Timed {
  deliveries: number;
  ms: number;
}

/** Times `work` until `expected` handler runs have been counted; null past the deadline. */
async function timed(expected: number, work: () => Promise<unknown>): Promise<Timed | null> {
  counter.reset();
  const start = performance.now();
  try {
    await deadline(
      work().then(() => counter.reached(expected)),
      `${expected} deliveries`,
    );
  } catch (err) {
    console.error(`${(err as Error).message} (${counter.count} counted)`);
    return null;
  }
  return { deliveries: expected, ms: performance.now() - start };
}

async function latencies(count: number, emit: (n: number) => Promise<unknown>): Promise<number[]> {
  const waits: number[] = [];
  for (let i = 0; i < count; i++) {
    counter.reset();
    const t0 = performance.now();
    await emit(i);
    await deadline(counter.reached(1), 'one delivery');
    waits.push(counter.starts[0] - t0);
    await new Promise((r) => setTimeout(r, 5));
  }
  return waits;
}

// ---- Plinth -------------------------------------------------------------------------------

/** A no-op, run in the module's sandbox like any vendor's handler; deliveries are counted as their batches commit. */
const HANDLER = 'export default async function handle() {}\n';

async function plinth(t: TestDatabase): Promise<EventSystem> {
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
  const row = (await p.marketplace.registry.installed('source'))!;
  const producer: Producer = { id: 'source', manifest: row.manifest, registryId: row.id };
  const emitMany = (name: string, from: number, count: number) =>
    p.bus.emitMany(
      producer,
      ws.id,
      Array.from({ length: count }, (_, k) => ({ name, payload: { ...PAYLOAD, n: from + k } })),
    );
  const counted = { batchSize: 1000, pollMs: 50, onDelivered: (n: number) => counter.hit(n) };
  let dispatcher: ReturnType<TestPlatform['dispatcher']> | null = null;
  return {
    async start() {
      dispatcher = p.dispatcher(counted);
      dispatcher.start();
    },
    async stop() {
      await dispatcher?.stop();
      dispatcher = null;
    },
    emit: (n) => p.bus.emit(producer, ws.id, 'source.lead_captured', { ...PAYLOAD, n }),
    emitMany: (from, count) => emitMany('source.lead_captured', from, count),
    fan: (from, count) => emitMany('source.lead_fanned', from, count),
    close: async () => {},
  };
}

// ---- graphile-worker ----------------------------------------------------------------------

async function graphile(url: string): Promise<EventSystem> {
  const tasks: Record<string, () => Promise<void>> = { noop: async () => counter.hit() };
  for (let i = 0; i < FANOUT; i++) tasks[`fan${i}`] = async () => counter.hit();
  const utils: WorkerUtils = await makeWorkerUtils({ connectionString: url });
  await utils.migrate();
  let runner: Runner | null = null;
  const job = (n: number) => ({ identifier: 'noop', payload: { ...PAYLOAD, n } });
  return {
    async start() {
      // Tuned as graphile-worker's docs recommend for throughput: more concurrency, a local queue, no completion delay.
      runner = await runGraphile({
        connectionString: url,
        concurrency: 24,
        maxPoolSize: 25,
        noHandleSignals: true,
        pollInterval: 1000,
        taskList: tasks,
        logger: quietGraphileLogger(),
        preset: { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0 } },
      });
    },
    async stop() {
      await runner?.stop();
      runner = null;
    },
    emit: (n) => utils.addJob('noop', { ...PAYLOAD, n }),
    emitMany: (from, count) => utils.addJobs(Array.from({ length: count }, (_, k) => job(from + k))),
    fan: (from, count) =>
      utils.addJobs(
        Array.from({ length: count * FANOUT }, (_, k) => ({
          identifier: `fan${k % FANOUT}`,
          payload: { ...PAYLOAD, n: from + Math.floor(k / FANOUT) },
        })),
      ),
    close: async () => void (await utils.release()),
  };
}

function quietGraphileLogger() {
  // graphile-worker logs every job otherwise; the benchmark prints only its table.
  const noop = () => {};
  const scope = { debug: noop, info: noop, warn: noop, error: (m: string) => console.error(m), scope: () => scope };
  return scope as never;
}

// ---- pg-boss --------------------------------------------------------------------------------

async function pgBoss(url: string): Promise<EventSystem> {
  const boss = new PgBoss({ connectionString: url, useListenNotify: true, max: 12 });
  boss.on('error', (err) => console.error(err));
  await boss.start();
  // Tuned for throughput with the options its type definitions document: one worker per queue
  // fetching 500 jobs at a time, fetching again at once while fetches come back full (otherwise it
  // waits for the next poll, 30 s by default on a NOTIFY queue), and polling at its floor of 0.5 s.
  const work = {
    batchSize: 500,
    localConcurrency: 1,
    burstWhenBatchFull: true,
    pollingIntervalSeconds: 0.5,
    notifyPollingIntervalSeconds: 0.5,
  };
  const handle = async (jobs: unknown[]) => counter.hit(jobs.length);
  const fanQueues = Array.from({ length: FANOUT }, (_, i) => `fan${i}`);
  await boss.createQueue('noop', { notify: true });
  for (const queue of fanQueues) {
    await boss.createQueue(queue, { notify: true });
    await boss.subscribe('fanned', queue);
  }
  const rows = (from: number, count: number) => Array.from({ length: count }, (_, k) => ({ data: { ...PAYLOAD, n: from + k } }));
  return {
    async start() {
      for (const queue of ['noop', ...fanQueues]) await boss.work(queue, work, handle);
    },
    async stop() {
      for (const queue of ['noop', ...fanQueues]) await boss.offWork(queue, { wait: true });
    },
    emit: (n) => boss.send('noop', { ...PAYLOAD, n }),
    emitMany: (from, count) => boss.insert('noop', rows(from, count)),
    // publish() sends one job per subscribed queue for one event; a batch is one insert into each
    // subscribed queue, side by side, as publish() sends to them.
    fan: (from, count) => Promise.all(fanQueues.map((queue) => boss.insert(queue, rows(from, count)))),
    close: () => boss.stop({ graceful: false, wait: true } as never),
  };
}

// ---- a run: each system's two turns ----------------------------------------------------------

type Turns = Record<Exclude<Workload, `latency_${string}`>, (Timed | null)[]> & { latency: number[] };

/** One turn of `system`: every workload at `1 / TURNS` of its size, added to `into`. */
async function turn(system: EventSystem, into: Turns): Promise<void> {
  const per = (n: number) => n / TURNS;
  await system.start();
  await timed(WARM_UP, () => inFlight(WARM_UP, IN_FLIGHT, (n) => system.emit(n))); // handlers loaded, plans cached
  into.single.push(await timed(per(N.single), () => inFlight(per(N.single), IN_FLIGHT, (n) => system.emit(n))));
  into.batched.push(
    await timed(per(N.batched), () => inFlight(per(N.batched) / BATCH, IN_FLIGHT, (b) => system.emitMany(b * BATCH, BATCH))),
  );
  await system.stop();
  for (let i = 0; i < per(N.drain); i += BACKLOG_BATCH) await system.emitMany(i, BACKLOG_BATCH);
  into.drain.push(await timed(per(N.drain), () => system.start()));
  await timed(WARM_FANOUT * FANOUT, () => system.fan(0, WARM_FANOUT));
  into.fanout.push(
    await timed(per(N.fanout) * FANOUT, () => inFlight(per(N.fanout) / BATCH, IN_FLIGHT, (b) => system.fan(b * BATCH, BATCH))),
  );
  into.latency.push(...(await latencies(per(N.latency), (n) => system.emit(n))));
  await system.stop();
}

const perSecond = (turns: (Timed | null)[]): number | null =>
  turns.length !== TURNS || turns.some((t) => t === null)
    ? null
    : Math.round(turns.reduce((n, t) => n + t!.deliveries, 0) / (turns.reduce((ms, t) => ms + t!.ms, 0) / 1000));

const percentile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(q * (sorted.length - 1))] * 100) / 100;
};

async function insertReference(url: string): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: IN_FLIGHT });
  await pool.query(
    'CREATE TABLE IF NOT EXISTS bench_rows (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL, payload jsonb NOT NULL, occurred_at timestamptz NOT NULL DEFAULT now())',
  );
  const start = performance.now();
  await inFlight(N.insert, IN_FLIGHT, (i) =>
    pool.query('INSERT INTO bench_rows (name, payload) VALUES ($1, $2)', ['source.lead_captured', { ...PAYLOAD, n: i }]),
  );
  const figure = Math.round(N.insert / ((performance.now() - start) / 1000));
  await pool.end();
  return figure;
}

/** Events the platform kept in the default partition: 0 where every event found its own partition. */
async function rowsInDefaultPartition(url: string): Promise<number | string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM events_default');
    return Number(rows[0].n);
  } catch (err) {
    return `not counted (${(err as Error).message})`;
  } finally {
    await client.end();
  }
}

// The peers' pools can outlive their stop() by a moment and then see their database dropped
// under them: that termination (57P01) at teardown is expected, anything else is not.
process.on('uncaughtException', (err) => {
  if ((err as { code?: string }).code !== '57P01') throw err;
});

const result: BenchRuns = {
  bench: 'events',
  sizes: { runs: RUNS, turns_per_run: TURNS, ...N, fanout_subscribers: FANOUT, in_flight: IN_FLIGHT },
  systems: { plinth: 'Plinth', 'graphile-worker': 'graphile-worker', 'pg-boss': 'pg-boss' },
  compare: { subject: 'plinth', against: ['graphile-worker', 'pg-boss'] },
  figures: (Object.keys(WORKLOADS) as Workload[]).map((w) => ({
    ...WORKLOADS[w],
    runs: Object.fromEntries(SYSTEMS.map((s) => [s, [] as (number | null)[]])),
  })),
};
const figure = (w: Workload) => result.figures[(Object.keys(WORKLOADS) as Workload[]).indexOf(w)];
const reference: number[] = [];

const t = await freshDatabase();
try {
  const url = t.config.databaseUrl!;
  const systems: Record<System, EventSystem> = {
    plinth: await plinth(t),
    'graphile-worker': await graphile(url),
    'pg-boss': await pgBoss(url),
  };
  try {
    for (let run = 1; run <= RUNS; run++) {
      const turns = Object.fromEntries(
        SYSTEMS.map((s): [System, Turns] => [s, { single: [], batched: [], drain: [], fanout: [], latency: [] }]),
      ) as Record<System, Turns>;
      const order = [...SYSTEMS, ...[...SYSTEMS].reverse()];
      for (const s of order) {
        console.error(`run ${run} of ${RUNS}: ${s}…`);
        await turn(systems[s], turns[s]).catch(async (err) => {
          console.error(`${s}: ${(err as Error).message}`);
          await systems[s].stop().catch(() => {});
        });
      }
      for (const s of SYSTEMS) {
        for (const w of ['single', 'batched', 'drain', 'fanout'] as const) figure(w).runs[s].push(perSecond(turns[s][w]));
        const waits = turns[s].latency;
        const full = waits.length === N.latency;
        figure('latency_p50').runs[s].push(full ? percentile(waits, 0.5) : null);
        figure('latency_p95').runs[s].push(full ? percentile(waits, 0.95) : null);
      }
      reference.push(await insertReference(url));
    }
  } finally {
    for (const s of SYSTEMS) await systems[s].close().catch((err) => console.error(`${s}: ${(err as Error).message}`));
  }
  result.checks = {
    'plain single-row INSERTs, 8 in flight (reference, rows/s)': reference.join(', '),
    'rows left in events_default (0 when every event found its partition)': await rowsInDefaultPartition(url),
  };
} finally {
  await t.drop();
}
finish(result);
