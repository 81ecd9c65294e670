/**
 * `npm run bench:admin [-- --runs N] [-- --json]`: the admin's JSON endpoints over 1,000,000
 * contacts in 100 workspaces, beside stock AdminJS with @adminjs/sequelize over the same table, on
 * one PostgreSQL server (DATABASE_URL, or the local test server). p50/p95 over 200 requests of a
 * workspace's contact list (what the list page fetches, default sort) and of one record, and
 * bytes per listed row as sent (compressed where the server compresses). Stock AdminJS is measured
 * twice: filtered to the same workspace as its API documents it (`filters.workspaceId=` on the list
 * request), the like-for-like comparator the ratio is taken against, and over the whole table, as
 * context. The client runs in a worker thread, so that its own work does not add to the servers'
 * latency; the systems are warmed up alike and take turns in the order A B C C B A, so that a
 * drift over the run falls on all of them. Then Plinth's search box, which stock AdminJS has no
 * counterpart of: p50/p95 over 200 searches each by phone (written as people write it), by email
 * (in another case) and by part of a name. The table is loaded once; each run measures it again.
 */
import type { Server } from 'node:http';
import { Worker } from 'node:worker_threads';
import express from 'express';
import type { ClientJob, Target, Timings } from './http-client.js';
import { finish, runsArgument, type BenchRuns, type Figure } from './runs.js';

process.env.DATABASE_URL ||= 'postgres://postgres@127.0.0.1:5432/test';
process.env.LOG_LEVEL ||= 'warn';
const { freshDatabase } = await import('../test/support/database.js');
const { testPlatform } = await import('../test/support/platform.js');
const { adminApp, serveLocally } = await import('../test/support/admin.js');
const { default: AdminJS } = await import('adminjs');
const { buildRouter } = await import('@adminjs/express');
const AdminJSSequelize = await import('@adminjs/sequelize');
const { contactSearchCondition } = await import('../platform/admin/contact-search.js');

const RUNS = runsArgument();
const WORKSPACES = 100;
const PER_WORKSPACE = 10_000;
const REQUESTS = 200;
/** Two turns each, A B then B A: each system is measured on its own, and neither always goes first. */
const TURN = REQUESTS / 2;
const WARM_UP = 10;
const PASSWORD = 'bench password, not a secret';

/** What the search box is timed with, in workspace bench-42: person 4242's phone and email, and part of a name. */
const SEARCHES = (workspaceId: string): Record<Search, string> => ({
  phone: '(212) 042-4242',
  email: `P4242@${workspaceId}.test`.toUpperCase(),
  name: 'son 424',
});
type Search = 'phone' | 'email' | 'name';
type Workload =
  'list_p50' | 'list_p95' | 'record_p50' | 'record_p95' | 'bytes_per_row' | `search_${Search}_p50` | `search_${Search}_p95`;
type System = 'plinth' | 'stock-workspace' | 'stock-table';
const UNITS: Record<Workload, string> = {
  list_p50: 'ms',
  list_p95: 'ms',
  record_p50: 'ms',
  record_p95: 'ms',
  bytes_per_row: 'bytes',
  search_phone_p50: 'ms',
  search_phone_p95: 'ms',
  search_email_p50: 'ms',
  search_email_p95: 'ms',
  search_name_p50: 'ms',
  search_name_p95: 'ms',
};
const NAMES: Record<Workload, string> = {
  list_p50: 'contacts list p50',
  list_p95: 'contacts list p95',
  record_p50: 'one record p50',
  record_p95: 'one record p95',
  bytes_per_row: 'bytes per listed row, as sent',
  search_phone_p50: 'search by a phone written (212) 042-4242, p50',
  search_phone_p95: 'search by a phone written (212) 042-4242, p95',
  search_email_p50: 'search by an email in another case, p50',
  search_email_p95: 'search by an email in another case, p95',
  search_name_p50: 'search by part of a name (son 424), p50',
  search_name_p95: 'search by part of a name (son 424), p95',
};
const result: BenchRuns = {
  bench: 'admin',
  sizes: { runs: RUNS, workspaces: WORKSPACES, contacts_per_workspace: PER_WORKSPACE, requests_per_figure: REQUESTS },
  systems: {
    plinth: 'Plinth (one workspace, signed in)',
    'stock-workspace': 'stock AdminJS (same workspace, filtered)',
    'stock-table': 'stock AdminJS (whole table)',
  },
  compare: { subject: 'plinth', against: ['stock-workspace'], headings: ['Plinth vs stock, same workspace (>1: Plinth ahead)'] },
  figures: (Object.keys(UNITS) as Workload[]).map((w): Figure => ({ name: NAMES[w], unit: UNITS[w], better: 'lower', runs: {} })),
};
const figure = (w: Workload): Figure => result.figures[(Object.keys(UNITS) as Workload[]).indexOf(w)];
const record = (w: Workload, system: System, value: number) => (figure(w).runs[system] ??= []).push(value);

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

/**
 * One run, from one client worker: `WARM_UP` lists and records of each system, then `REQUESTS`
 * lists and `REQUESTS` records of each, the systems taking turns of `TURN` requests.
 */
async function measure(targets: Record<System, Target>): Promise<void> {
  const systems = Object.keys(targets) as System[];
  const job: ClientJob = { targets: Object.values(targets), requests: REQUESTS, turn: TURN, warmUp: WARM_UP };
  const worker = new Worker(new URL('./http-client.js', import.meta.url), { workerData: job });
  const timings = await new Promise<Timings[]>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  for (const [i, system] of systems.entries()) {
    const { list, record: records, search, bytes, rows } = timings[i];
    record('list_p50', system, percentile(list, 50));
    record('list_p95', system, percentile(list, 95));
    record('record_p50', system, percentile(records, 50));
    record('record_p95', system, percentile(records, 95));
    record('bytes_per_row', system, Math.round(bytes / rows));
    for (const [kind, ms] of Object.entries(search) as [Search, number[]][]) {
      record(`search_${kind}_p50`, system, percentile(ms, 50));
      record(`search_${kind}_p95`, system, percentile(ms, 95));
    }
  }
}

/**
 * The plan of a search's page as the list asks for it, in a workspace, as the application: whether
 * it reads the trigram index (`contacts_search_idx`) at this scale, printed with the run.
 */
async function printSearchPlan(workspaceId: string, text: string): Promise<void> {
  const values: unknown[] = [workspaceId];
  const condition = contactSearchCondition(text, (v) => `$${values.push(v)}`);
  const plan = await t.db.unit({ role: 'app', workspaceId }, () =>
    t.db.rows<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, COSTS OFF) SELECT id, name FROM contacts WHERE workspace_id = $1 AND ${condition}
        ORDER BY created_at DESC, id DESC LIMIT 10`,
      values,
    ),
  );
  process.stderr.write(
    `plan of a search by part of a name (${JSON.stringify(text)}):\n${plan.map((r) => `  ${r['QUERY PLAN']}`).join('\n')}\n`,
  );
}

/** Refuses to measure a stock list that is not the workspace's: a filter AdminJS ignored would time the whole table under the wrong name. */
async function checkScoped(url: string, workspaceId: string): Promise<void> {
  const res = await fetch(url);
  const body = (await res.json()) as { meta?: { total?: number }; records?: { params: { workspaceId?: string } }[] };
  const outside = (body.records ?? []).filter((r) => r.params.workspaceId !== workspaceId).length;
  if (res.status !== 200 || body.meta?.total !== PER_WORKSPACE || outside > 0 || !body.records?.length)
    throw new Error(
      `${url}: expected the ${PER_WORKSPACE} contacts of workspace ${workspaceId}, got status ${res.status}, total ${body.meta?.total}, ${outside} rows of other workspaces`,
    );
}

const t = await freshDatabase();
const servers: Server[] = [];
try {
  const p = testPlatform(t);
  process.stderr.write(`writing ${WORKSPACES} workspaces and ${(WORKSPACES * PER_WORKSPACE).toLocaleString('en')} contacts…\n`);
  const workspaces: string[] = [];
  for (let i = 0; i < WORKSPACES; i++)
    workspaces.push((await t.entities.workspaces.create({ slug: `bench-${i}`, name: `Bench ${i}` })).id);
  await t.db.owner('bench data', async () => {
    await t.db.exec(
      // Phones differ across workspaces (+1 212 0ww gggg: workspace ww, person gggg), as real ones do.
      `INSERT INTO contacts (workspace_id, name, organization, emails, phones, qualification_status, lead_score, created_at)
       SELECT w.id, 'Person ' || g, 'Org ' || (g % 97), ARRAY['p' || g || '@' || w.id || '.test'],
              ARRAY['+1' || (2120000000 + (w.n - 1) * 10000 + g)],
              (ARRAY['new','engaged','qualified','disqualified','customer'])[1 + g % 5], g % 101,
              now() - g * interval '1 second'
         FROM unnest($1::uuid[]) WITH ORDINALITY AS w(id, n), generate_series(1, $2) AS g`,
      [workspaces, PER_WORKSPACE],
    );
  });
  // What the database does after a bulk load, done before measuring rather than during it:
  // autovacuum's visibility map (index-only scans) and statistics, and the checkpoint that writes
  // the loaded pages out; for every system alike.
  await t.db.sequelize.query('VACUUM ANALYZE contacts');
  await t.db.sequelize.query('CHECKPOINT');
  await t.entities.users.create({ email: 'owner@bench.test', password: PASSWORD });
  await t.entities.users.grant({ email: 'owner@bench.test', workspace: 'bench-42', role: 'owner' });

  const { server: ours, base } = await serveLocally(adminApp(t, p, { sessionSecret: 'bench' }));
  servers.push(ours);
  const login = await fetch(`${base}/admin/login`, {
    method: 'POST',
    headers: { origin: base },
    body: new URLSearchParams({ email: 'owner@bench.test', password: PASSWORD }),
    redirect: 'manual',
  });
  const cookie = login.headers.get('set-cookie')!.split(';')[0];

  // Stock: AdminJS with @adminjs/sequelize over the same table, as its documentation sets it up
  // (its queries run outside our units, as the connecting user: no row-level security, no scope).
  AdminJS.registerAdapter({ Resource: AdminJSSequelize.Resource, Database: AdminJSSequelize.Database });
  const stockAdmin = new AdminJS({ rootPath: '/stock', resources: [t.entities.models.Contact] });
  const stock = express();
  stock.use('/stock', buildRouter(stockAdmin));
  const { server: theirs, base: stockBase } = await serveLocally(stock);
  servers.push(theirs);

  const searched = SEARCHES(workspaces[42]);
  const listUrl = `${base}/admin/api/resources/contacts/actions/list`;
  const stockList = `${stockBase}/stock/api/resources/contacts/actions/list`;
  // The list filter AdminJS's API documents (`filters.<property>=` on the list request), as its
  // filter drawer sends it: the same workspace as Plinth's signed-in owner lists.
  const stockWorkspaceList = `${stockList}?filters.workspaceId=${workspaces[42]}`;
  await checkScoped(stockWorkspaceList, workspaces[42]);
  await printSearchPlan(workspaces[42], searched.name);

  const targets: Record<System, Target> = {
    plinth: {
      listUrl,
      searches: Object.fromEntries(
        Object.entries(searched).map(([kind, text]) => [kind, `${listUrl}?filters.search=${encodeURIComponent(text)}`]),
      ),
      recordUrl: `${base}/admin/api/resources/contacts/records/{id}/show`,
      cookie,
    },
    'stock-workspace': {
      listUrl: stockWorkspaceList,
      recordUrl: `${stockBase}/stock/api/resources/contacts/records/{id}/show`,
      cookie: '',
    },
    'stock-table': {
      listUrl: stockList,
      recordUrl: `${stockBase}/stock/api/resources/contacts/records/{id}/show`,
      cookie: '',
    },
  };
  for (let run = 1; run <= RUNS; run++) {
    process.stderr.write(`run ${run} of ${RUNS}: measuring the three, taking turns; then the search…\n`);
    await measure(targets);
  }
} finally {
  for (const s of servers) s.close();
  await t.drop();
}
finish(result);
