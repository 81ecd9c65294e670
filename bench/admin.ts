/**
 * `npm run bench:admin [-- --json]`: the admin's JSON endpoints over 1,000,000 contacts in 100
 * workspaces, beside stock AdminJS with @adminjs/sequelize over the same table, in one run on one
 * PostgreSQL server (DATABASE_URL, or the local test server). p50/p95 over 200 requests of a
 * workspace's contact list (what the list page fetches, default sort) and of one record, and
 * bytes per listed row as sent (compressed where the server compresses). The client runs in a
 * worker thread, so that its own work does not add to the servers' latency; both systems are
 * warmed up alike and take turns in the order A B B A, so that a drift over the run falls on both.
 * Then Plinth's search box, which stock AdminJS has no counterpart of: p50/p95 over 200 searches
 * each by phone (written as people write it), by email (in another case) and by part of a name.
 */
import type { Server } from 'node:http';
import { Worker } from 'node:worker_threads';
import express from 'express';
import type { ClientJob, Target, Timings } from './http-client.js';

process.env.DATABASE_URL ||= 'postgres://postgres@127.0.0.1:5432/test';
process.env.LOG_LEVEL ||= 'warn';
const { freshDatabase } = await import('../test/support/database.js');
const { testPlatform } = await import('../test/support/platform.js');
const { adminApp, serveLocally } = await import('../test/support/admin.js');
const { default: AdminJS } = await import('adminjs');
const { buildRouter } = await import('@adminjs/express');
const AdminJSSequelize = await import('@adminjs/sequelize');
const { contactSearchCondition } = await import('../platform/admin/contact-search.js');

const json = process.argv.includes('--json');
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
type System = 'plinth' | 'stock';
const results: Record<Workload, { [S in System]?: number } & { unit: string }> = {
  list_p50: { unit: 'ms' },
  list_p95: { unit: 'ms' },
  record_p50: { unit: 'ms' },
  record_p95: { unit: 'ms' },
  bytes_per_row: { unit: 'bytes' },
  search_phone_p50: { unit: 'ms' },
  search_phone_p95: { unit: 'ms' },
  search_email_p50: { unit: 'ms' },
  search_email_p95: { unit: 'ms' },
  search_name_p50: { unit: 'ms' },
  search_name_p95: { unit: 'ms' },
};

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

/**
 * Measures the systems from one client worker: `WARM_UP` lists and records of each, then
 * `REQUESTS` lists and `REQUESTS` records of each, the systems taking turns of `TURN` requests.
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
    const { list, record, search, bytes, rows } = timings[i];
    results.list_p50[system] = percentile(list, 50);
    results.list_p95[system] = percentile(list, 95);
    results.record_p50[system] = percentile(record, 50);
    results.record_p95[system] = percentile(record, 95);
    results.bytes_per_row[system] = Math.round(bytes / rows);
    for (const [kind, ms] of Object.entries(search) as [Search, number[]][]) {
      results[`search_${kind}_p50`][system] = percentile(ms, 50);
      results[`search_${kind}_p95`][system] = percentile(ms, 95);
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
  // the loaded pages out; for both systems alike.
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
  await printSearchPlan(workspaces[42], searched.name);

  process.stderr.write('measuring both, taking turns; then the search…\n');
  await measure({
    plinth: {
      listUrl,
      searches: Object.fromEntries(
        Object.entries(searched).map(([kind, text]) => [kind, `${listUrl}?filters.search=${encodeURIComponent(text)}`]),
      ),
      recordUrl: `${base}/admin/api/resources/contacts/records/{id}/show`,
      cookie,
    },
    stock: {
      listUrl: `${stockBase}/stock/api/resources/contacts/actions/list`,
      recordUrl: `${stockBase}/stock/api/resources/contacts/records/{id}/show`,
      cookie: '',
    },
  });
} finally {
  for (const s of servers) s.close();
  await t.drop();
}

const pad = (s: string, n: number) => s.padStart(n);
console.log(`${'workload'.padEnd(16)}${pad('plinth', 10)}${pad('stock AdminJS', 15)}  unit   Plinth's advantage (>1 is better)`);
for (const [name, r] of Object.entries(results)) {
  const ratio = r.plinth && r.stock ? `×${(r.stock / r.plinth).toFixed(2)}` : '—';
  const fmt = (v?: number) => (v === undefined ? '-' : r.unit === 'ms' ? v.toFixed(2) : String(v));
  console.log(`${name.padEnd(16)}${pad(fmt(r.plinth), 10)}${pad(fmt(r.stock), 15)}  ${r.unit.padEnd(6)} ${ratio}`);
}
if (json) console.log(JSON.stringify(results));
