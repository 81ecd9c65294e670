/**
 * `npm run bench:api [-- --runs N] [-- --contacts N] [-- --requests N] [-- --events N]`: what
 * the workspace's doors to the outside cost beside the same work done inside, in one run.
 *
 * - The API's contact list over `--contacts` (1,000,000) contacts in one workspace, through a
 *   real token over real HTTP, from a client in a worker thread: the first page, a filtered page
 *   and a page deep down a cursor, p50/p95/p99 of `--requests` (400) of each. Beside it, the very
 *   statement the API runs for each page, through the same pool, in a unit as the application in
 *   the workspace (row-level security as the API has it): the ratio is what the API's own layer
 *   costs (token, rate limit, workspace, request checks, HTTP and JSON). The goal: p95 ≤ 10 ms.
 * - Webhook deliveries per second to a receiver on loopback (node:http answering 204, in a
 *   worker thread), beside the bus's deliveries to a module subscriber (a no-op handler in the
 *   sandbox): `--events` (2,000) events each per run, emitted beforehand and drained by a
 *   dispatcher with the same settings.
 * - CSV import of `--import-rows` (40,000) new contacts per run into empty workspaces, through
 *   the import `plinth import` runs (plan, batches, identity rules, outcomes kept), beside the
 *   database's floor for the same file: parsed and written as one INSERT of the contacts alone, no
 *   identity rules, no outcomes. The goal: ≥ 5,000 rows/s on the server database.
 *
 * Each figure's two systems take turns A B B A, the order flipping from one figure to the next;
 * the pages the API answers are checked against the statement's rows before measuring. Each API
 * turn has a token of its own: every request counts against its token's limit (600 a minute),
 * which one token would reach within a run. Embedded database unless DATABASE_URL names a server.
 */
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { parse } from 'csv-parse/sync';
import type { Producer } from '../platform/events/index.js';
import type { ClientAnswer, ClientTurn } from './api-client.js';
import { BenchArgumentError, countArgument, finish, runsArgument, summarize, type BenchRuns, type Figure } from './runs.js';

// Before the platform's modules load: the log reads it once.
process.env.LOG_LEVEL ||= 'warn';
const { freshDatabase, onServer } = await import('../test/support/database.js');
const { testPlatform } = await import('../test/support/platform.js');
const { pluginDir } = await import('../test/support/plugins.js');
const { apiServer } = await import('../test/support/api-client.js');
const { CONTACT_LIST } = await import('../platform/api/contact-schemas.js');
const { listStatement, parseList } = await import('../platform/api/list-query.js');
const { encodeCursor, positionOf, DEFAULT_PAGE } = await import('../platform/api/cursor.js');
const { DEFAULT_BATCH_SIZE } = await import('../platform/worker/dispatcher.js');

const RUNS = runsArgument();
const CONTACTS = countArgument('--contacts', { fallback: 1_000_000, min: 1000, max: 10_000_000 });
const REQUESTS = countArgument('--requests', { fallback: 400, min: 20, max: 1000 });
const EVENTS = countArgument('--events', { fallback: 2000, min: 100, max: 100_000 });
const IMPORT_ROWS = countArgument('--import-rows', { fallback: 40_000, min: 100, max: 1_000_000 });
if (REQUESTS % 2 || EVENTS % 2 || IMPORT_ROWS % 2)
  throw new BenchArgumentError('--requests, --events, --import-rows', 'each is split into two turns: give even numbers');
const GOAL_IMPORT_ROWS_PER_S = 5000;
/** Where the deep page starts: after nine tenths of the workspace's contacts, newest first. */
const DEPTH = Math.floor(CONTACTS * 0.9);
const GOAL_P95_MS = 10;
const WARM_UP = 20;
const BATCH = 100;
const WARM_EVENTS = 50;
const POLL_MS = 50;
const DEADLINE_MS = 10 * 60_000;
const HANDLER = 'export default async function handle() {}\n';
const PAYLOAD = { form: 'contact-us', email: 'someone@example.com', name: 'Someone Example', message: 'x'.repeat(200), n: 0 };

type Side = 'outside' | 'inside';
type Page = 'first' | 'filtered' | 'deep';
const PAGES: Page[] = ['first', 'filtered', 'deep'];
const FILTER = { 'warmth.eq': 'hot', 'leadScore.gte': '90' };
const PAGE_NAMES: Record<Page, string> = {
  first: `first page (${DEFAULT_PAGE} newest)`,
  filtered: `filtered page (${new URLSearchParams(FILTER).toString()})`,
  deep: `page after ${DEPTH.toLocaleString('en')} contacts, by cursor`,
};
const PERCENTILES = [50, 95, 99] as const;

const result: BenchRuns = {
  bench: 'api',
  sizes: {
    runs: RUNS,
    contacts: CONTACTS,
    page_size: DEFAULT_PAGE,
    requests_per_figure: REQUESTS,
    events_per_run: EVENTS,
    dispatcher_batch: DEFAULT_BATCH_SIZE,
    dispatcher_poll_ms: POLL_MS,
    import_rows_per_run: IMPORT_ROWS,
  },
  systems: {
    outside: 'outside: the API over HTTP with a token; a webhook; the CSV import',
    inside: 'inside: the same statement through the same pool; a module subscriber; the same file as one INSERT',
  },
  compare: {
    subject: 'inside',
    against: ['outside'],
    headings: ["the outside's cost, × the inside's (>1: the outside is slower)"],
  },
  figures: [
    ...PAGES.flatMap((page) =>
      PERCENTILES.map((p): Figure => ({ name: `${PAGE_NAMES[page]}, p${p}`, unit: 'ms', better: 'lower', runs: {} })),
    ),
    {
      name: `deliveries of a backlog of ${(EVENTS / 2).toLocaleString('en')} events`,
      unit: 'deliveries/s',
      better: 'higher',
      runs: {},
    },
    {
      name: `import of ${(IMPORT_ROWS / 2).toLocaleString('en')} new contacts from CSV`,
      unit: 'rows/s',
      better: 'higher',
      runs: {},
    },
  ],
};
const pageFigure = (page: Page, p: number) =>
  result.figures[PAGES.indexOf(page) * PERCENTILES.length + PERCENTILES.indexOf(p as 50)];
const deliveryFigure = result.figures[result.figures.length - 2];
const importFigure = result.figures[result.figures.length - 1];
const record = (figure: Figure, side: Side, value: number) => (figure.runs[side] ??= []).push(value);

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

/** A turn's order of the two systems: A B B A, starting with the other one on every second figure. */
const turns = (flip: boolean): Side[] =>
  flip ? ['inside', 'outside', 'outside', 'inside'] : ['outside', 'inside', 'inside', 'outside'];

/** Resolves with `promise`, or rejects naming `what` when it takes longer than any figure worth printing. */
async function deadline<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done within ${DEADLINE_MS / 1000} s`)), DEADLINE_MS);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** One message to a worker, and its answer. */
async function ask<A>(worker: Worker, message: unknown): Promise<A> {
  const answer = once(worker, 'message') as Promise<[A]>;
  worker.postMessage(message);
  return (await answer)[0];
}

const t = await freshDatabase();
const p = testPlatform(t, { webhookAllowPrivate: true });
const client = new Worker(new URL('./api-client.js', import.meta.url));
const receiver = new Worker(new URL('./receiver.js', import.meta.url));
const listening = once(receiver, 'message') as Promise<[{ port: number }]>;
const api = await apiServer(p);
try {
  const ws = await t.entities.workspaces.create({ slug: 'bench', name: 'Bench' });
  process.stderr.write(`writing ${CONTACTS.toLocaleString('en')} contacts (${onServer ? 'server' : 'embedded'} database)…\n`);
  await t.db.owner('bench data', () =>
    t.db.exec(
      `INSERT INTO contacts (workspace_id, name, organization, emails, qualification_status, lead_score, warmth, created_at)
       SELECT $1, 'Person ' || g, 'Org ' || (g % 97), ARRAY['p' || g || '@bench.test'],
              (ARRAY['new','engaged','qualified','disqualified','customer'])[1 + g % 5], g % 101,
              (ARRAY['cold','warm','hot'])[1 + g % 3], now() - g * interval '1 second'
         FROM generate_series(1, $2) AS g`,
      [ws.id, CONTACTS],
    ),
  );
  // What the database does after a bulk load, done before measuring rather than during it (as bench:admin).
  await t.db.sequelize.query('VACUUM ANALYZE contacts');
  await t.db.sequelize.query('CHECKPOINT');

  // The deep page's cursor, as the API writes one for the contact at that depth.
  const created = CONTACT_LIST.fields.createdAt;
  const [at] = await t.db.app(ws.id, () =>
    t.db.rows<{ id: string; position: string }>(
      `SELECT id, ${positionOf(created.column)} FROM contacts WHERE workspace_id = $1
        ORDER BY ${created.column} DESC, id OFFSET $2 LIMIT 1`,
      [ws.id, DEPTH - 1],
    ),
  );
  const queries: Record<Page, Record<string, string>> = {
    first: {},
    filtered: FILTER,
    deep: { cursor: encodeCursor({ sort: `-createdAt`, at: at.position, id: at.id }) },
  };
  const urls = Object.fromEntries(
    PAGES.map((page) => [page, `${api.base}/api/v1/bench/contacts?${new URLSearchParams(queries[page]).toString()}`]),
  ) as Record<Page, string>;
  const statements = Object.fromEntries(
    PAGES.map((page) => [
      page,
      listStatement(CONTACT_LIST, parseList(CONTACT_LIST, queries[page]), 'contacts', 'workspace_id', ws.id),
    ]),
  ) as Record<Page, { sql: string; values: unknown[] }>;

  let tokens = 0;
  /** A token of its own for each turn of requests, so that no turn meets the per-token limit. */
  const token = async () =>
    (await t.entities.apiTokens.create(ws.id, { name: `bench turn ${++tokens}`, scopes: ['contacts:read'], createdBy: 'cli' }))
      .plaintext;
  const outside = async (page: Page, count: number): Promise<ClientAnswer> => {
    const answer = await ask<ClientAnswer>(client, {
      urls: Array<string>(count).fill(urls[page]),
      token: await token(),
    } satisfies ClientTurn);
    if (answer.error) throw new Error(answer.error);
    return answer;
  };
  const inside = async (page: Page, count: number): Promise<{ ms: number[]; firstIds: string[] }> => {
    const { sql, values } = statements[page];
    const ms: number[] = [];
    let firstIds: string[] = [];
    for (let i = 0; i < count; i++) {
      const start = performance.now();
      const rows = await t.db.app(ws.id, () => t.db.rows<{ id: string }>(sql, values));
      ms.push(performance.now() - start);
      if (i === 0) firstIds = rows.slice(0, DEFAULT_PAGE).map((r) => r.id);
    }
    return { ms, firstIds };
  };

  // The same work on both sides: the API's page holds the statement's rows, for every page.
  for (const page of PAGES) {
    const [a, b] = [await outside(page, 1), await inside(page, 1)];
    if (a.firstIds.length === 0 || a.firstIds.join() !== b.firstIds.join())
      throw new Error(
        `${urls[page]}: the API's page is not the statement's rows (${a.firstIds.length} and ${b.firstIds.length} rows)`,
      );
  }

  // The webhook and the module subscriber, each on an event of its own.
  const emits = ['source.to_webhook', 'source.to_module'].map((name) => ({ name, version: 1, payload: { type: 'object' } }));
  await p.add(
    pluginDir('source', (m) => {
      m.capabilities.requires = ['events:emit'];
      m.events = { emits };
      delete m.settings;
    }),
    'source',
    ['bench'],
  );
  await p.add(
    pluginDir(
      'sink',
      (m) => {
        m.capabilities.requires = [];
        m.events = { subscribes: [{ event: 'source.to_module', handler: 'handlers/h.js' }] };
        delete m.settings;
      },
      { 'handlers/h.js': HANDLER },
    ),
    'sink',
    ['bench'],
  );
  const row = (await p.marketplace.registry.installed('source'))!;
  const producer: Producer = { id: 'source', manifest: row.manifest, registryId: row.id };
  const [{ port }] = await listening;
  await p.webhooks.create(ws.id, { url: `http://127.0.0.1:${port}/hook`, events: ['source.to_webhook'], createdBy: 'cli' });
  const received = async () => (await ask<{ received: number }>(receiver, 'count')).received;

  /** `count` events for one side, written beforehand, then drained by a fresh dispatcher: its milliseconds. */
  const drain = async (side: Side, count: number): Promise<number> => {
    const name = side === 'outside' ? 'source.to_webhook' : 'source.to_module';
    for (let i = 0; i < count; i += BATCH)
      await p.bus.emitMany(
        producer,
        ws.id,
        Array.from({ length: Math.min(BATCH, count - i) }, (_, k) => ({ name, payload: { ...PAYLOAD, n: i + k } })),
      );
    const before = await received();
    let delivered = 0;
    let done!: () => void;
    const all = new Promise<void>((resolve) => (done = resolve));
    const start = performance.now();
    const onDelivered = (n: number) => {
      delivered += n;
      if (delivered >= count) done();
    };
    const dispatcher = p.dispatcher({ pollMs: POLL_MS, onDelivered });
    dispatcher.start();
    try {
      await deadline(all, `${count} deliveries to the ${side === 'outside' ? 'webhook' : 'module'}`);
    } finally {
      await dispatcher.stop();
    }
    const ms = performance.now() - start;
    const took = (await received()) - before;
    if (side === 'outside' && took < count)
      throw new Error(`the receiver took ${took} of ${count} deliveries: failed deliveries would be timed as made`);
    return ms;
  };
  let imports = 0;
  /** `count` new contacts from one CSV file into an empty workspace: its milliseconds. */
  const load = async (side: Side, count: number): Promise<number> => {
    const n = ++imports;
    const target = await t.entities.workspaces.create({ slug: `import-${n}`, name: `Import ${n}` });
    const file = Buffer.from(
      ['Full name,E-mail', ...Array.from({ length: count }, (_, i) => `Person ${i},p${i}.${n}@import.test`)].join('\n'),
    );
    const start = performance.now();
    if (side === 'outside') {
      const plan = await p.imports.plan({
        workspaceId: target.id,
        source: { buffer: file, name: 'contacts.csv' },
        mapping: ['Full name=name', 'E-mail=emails'],
      });
      const { counts } = await p.imports.run(plan, { createdBy: 'cli' });
      if (counts.created !== count) throw new Error(`the import created ${counts.created} of ${count} contacts`);
    } else {
      const rows = parse(file, { from_line: 2 }) as [string, string][];
      await t.db.app(target.id, () =>
        t.db.exec(
          `INSERT INTO contacts (workspace_id, name, emails)
           SELECT $1, n, ARRAY[e] FROM unnest($2::text[], $3::text[]) AS u(n, e)`,
          [target.id, rows.map((r) => r[0]), rows.map((r) => r[1])],
        ),
      );
    }
    return performance.now() - start;
  };

  await drain('outside', WARM_EVENTS); // connections opened, the sandbox built, plans cached
  await drain('inside', WARM_EVENTS);

  for (let run = 1; run <= RUNS; run++) {
    process.stderr.write(`run ${run} of ${RUNS}: the three pages, the deliveries, the imports…\n`);
    for (const [index, page] of PAGES.entries()) {
      await outside(page, WARM_UP);
      await inside(page, WARM_UP);
      const ms: Record<Side, number[]> = { outside: [], inside: [] };
      for (const side of turns((run + index) % 2 === 0))
        ms[side].push(...(side === 'outside' ? await outside(page, REQUESTS / 2) : await inside(page, REQUESTS / 2)).ms);
      for (const side of ['outside', 'inside'] as const)
        for (const q of PERCENTILES) record(pageFigure(page, q), side, percentile(ms[side], q));
    }
    const spent: Record<Side, number> = { outside: 0, inside: 0 };
    for (const side of turns(run % 2 === 0)) spent[side] += await drain(side, EVENTS / 2);
    for (const side of ['outside', 'inside'] as const) record(deliveryFigure, side, Math.round(EVENTS / (spent[side] / 1000)));
    const loading: Record<Side, number> = { outside: 0, inside: 0 };
    for (const side of turns(run % 2 === 1)) loading[side] += await load(side, IMPORT_ROWS / 2);
    for (const side of ['outside', 'inside'] as const)
      record(importFigure, side, Math.round(IMPORT_ROWS / (loading[side] / 1000)));
  }

  const medians = PAGES.map((page) => ({ page, ms: summarize(pageFigure(page, 95).runs.outside)!.median }));
  const met = medians.every((m) => m.ms <= GOAL_P95_MS);
  result.checks = {
    database: onServer ? 'PostgreSQL server (DATABASE_URL)' : 'embedded (PGlite)',
    [`goal: the API's list p95 ≤ ${GOAL_P95_MS} ms`]: `${met ? 'met' : 'NOT met'} (${medians
      .map((m) => `${m.page} ${m.ms.toFixed(2)} ms`)
      .join(', ')}; median of the runs)`,
    [`goal: the import ≥ ${GOAL_IMPORT_ROWS_PER_S.toLocaleString('en')} rows/s on the server database`]: `${
      summarize(importFigure.runs.outside)!.median >= GOAL_IMPORT_ROWS_PER_S ? 'met' : 'NOT met'
    } (${summarize(importFigure.runs.outside)!.median.toLocaleString('en')} rows/s; median of the runs, ${onServer ? 'server' : 'embedded'} database)`,
    'same work': "each page's rows checked equal on both sides before measuring; a token per turn of API requests",
    'webhook deliveries the receiver took, of those sent': `${await received()} of ${WARM_EVENTS + RUNS * EVENTS} (${WARM_EVENTS} to warm up)`,
  };
} finally {
  api.close();
  await client.terminate();
  await receiver.terminate();
  await p.close();
  await t.drop();
}
finish(result);
