/**
 * `npm run bench:404 [-- --json]`: the two 404s of a module's public route, which must not tell a
 * caller which workspaces exist: a workspace that does not exist, and one that exists without the
 * module enabled. One run on one PostgreSQL server (DATABASE_URL, or the local test server): both
 * warmed up alike, then 200 requests of each, taking turns of 10 in the order A B, B A, … so that
 * a drift over the run falls on both alike. Prints each turn's medians, then the medians over all
 * 200 and their ratio; the goal is within 10 %. With --json, every request's time too, as sent.
 */
import { performance } from 'node:perf_hooks';

// Before the support modules load: they read it once, to pick the server over the embedded database.
process.env.DATABASE_URL ||= 'postgres://postgres@127.0.0.1:5432/test';
process.env.LOG_LEVEL ||= 'warn';
const { freshDatabase } = await import('../test/support/database.js');
const { testPlatform } = await import('../test/support/platform.js');
const { pluginDir } = await import('../test/support/plugins.js');
const { routeServer } = await import('../test/support/modules.js');

const json = process.argv.includes('--json');
const REQUESTS = 200;
const TURN = 10;
const WARM_UP = 20;
/** Far above the requests sent: a 429 would answer before the workspace is looked up. */
const RATE_LIMIT = { max: 100_000, windowSeconds: 60 };

type Case = 'unknown' | 'disabled';
const CASES: Record<Case, { slug: string; label: string }> = {
  unknown: { slug: 'no-such-workspace', label: 'unknown workspace' },
  disabled: { slug: 'without-beacon', label: 'workspace without the module' },
};

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const t = await freshDatabase();
/** Each round: a turn of each case, in the order `first` says; every request's time, as sent. */
const rounds: ({ first: Case } & Record<Case, number[]>)[] = [];
try {
  const p = testPlatform(t);
  for (const slug of ['with-beacon', CASES.disabled.slug]) await t.entities.workspaces.create({ slug, name: slug });
  const dir = pluginDir(
    'beacon',
    (m) => {
      m.routes = [
        { method: 'POST', path: '/:workspace/ping', handler: 'handlers/ping.js', auth: 'public', rateLimit: RATE_LIMIT },
      ];
    },
    { 'handlers/ping.js': 'export default async function ping() {}\n' },
  );
  // Installed and enabled elsewhere: the module is a real one, only not in the workspace asked.
  await p.add(dir, 'beacon', ['with-beacon']);
  const server = await routeServer(t, p);
  try {
    const once = async (which: Case): Promise<number> => {
      const start = performance.now();
      const res = await server.post(`/m/beacon/${CASES[which].slug}/ping`, {});
      await res.arrayBuffer();
      const ms = performance.now() - start;
      if (res.status !== 404) throw new Error(`${CASES[which].label}: answered ${res.status}, not 404`);
      return ms;
    };
    for (let i = 0; i < WARM_UP; i++) for (const which of Object.keys(CASES) as Case[]) await once(which);
    for (let round = 0; round * TURN < REQUESTS; round++) {
      const order: Case[] = round % 2 ? ['disabled', 'unknown'] : ['unknown', 'disabled'];
      const taken = { first: order[0], unknown: [] as number[], disabled: [] as number[] };
      for (const which of order) for (let i = 0; i < TURN; i++) taken[which].push(await once(which));
      rounds.push(taken);
    }
  } finally {
    server.close();
  }
} finally {
  await t.drop();
}

const ms = (value: number) => value.toFixed(3);
console.log(
  `${'round'.padEnd(7)}${'first'.padEnd(10)}${CASES.unknown.label.padStart(20)}${CASES.disabled.label.padStart(32)}   (medians of ${TURN}, ms)`,
);
for (const [i, r] of rounds.entries())
  console.log(
    `${String(i + 1).padEnd(7)}${r.first.padEnd(10)}${ms(median(r.unknown)).padStart(20)}${ms(median(r.disabled)).padStart(32)}`,
  );
const medians = {
  unknown: median(rounds.flatMap((r) => r.unknown)),
  disabled: median(rounds.flatMap((r) => r.disabled)),
};
const ratio = medians.disabled / medians.unknown;
console.log(`${`all ${REQUESTS}`.padEnd(17)}${ms(medians.unknown).padStart(20)}${ms(medians.disabled).padStart(32)}`);
const met = Math.abs(ratio - 1) <= 0.1 ? 'met' : 'NOT met';
console.log(`ratio (module not enabled / unknown workspace): ×${ratio.toFixed(3)}; the goal, within 10 %, is ${met}`);
if (json) console.log(JSON.stringify({ unit: 'ms', medians, ratio, rounds }));
