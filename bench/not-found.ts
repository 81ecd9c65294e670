/**
 * `npm run bench:404 [-- --runs N] [-- --json]`: the two 404s of a module's public route, which
 * must not tell a caller which workspaces exist: a workspace that does not exist, and one that
 * exists without the module enabled. On one PostgreSQL server (DATABASE_URL, or the local test
 * server): both warmed up alike, then, in each run, 200 requests of each, taking turns of 10 in
 * the order A B, B A, … so that a drift over the run falls on both alike. Prints each turn's
 * medians (on stderr), then each case's median over the 200 and their ratio, over the runs; the
 * goal is a ratio within 10 % of 1.
 */
import { performance } from 'node:perf_hooks';

// Before the support modules load: they read it once, to pick the server over the embedded database.
process.env.DATABASE_URL ||= 'postgres://postgres@127.0.0.1:5432/test';
process.env.LOG_LEVEL ||= 'warn';
const { freshDatabase } = await import('../test/support/database.js');
const { testPlatform } = await import('../test/support/platform.js');
const { pluginDir } = await import('../test/support/plugins.js');
const { routeServer } = await import('../test/support/modules.js');
const { finish, median, runsArgument } = await import('./runs.js');

const RUNS = runsArgument();
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

type Round = { first: Case } & Record<Case, number[]>;
/** Each run's medians over all its requests, per case. */
const medians: Record<Case, number[]> = { unknown: [], disabled: [] };

const ms = (value: number) => value.toFixed(3);
/** A run's turns, on stderr: the summary on stdout is what a reader compares. */
function printTurns(run: number, rounds: Round[]): void {
  const lines = [
    `run ${run} of ${RUNS}: ${'round'.padEnd(7)}${'first'.padEnd(10)}${CASES.unknown.label.padStart(20)}${CASES.disabled.label.padStart(32)}   (medians of ${TURN}, ms)`,
    ...rounds.map(
      (r, i) =>
        `${' '.repeat(`run ${run} of ${RUNS}: `.length)}${String(i + 1).padEnd(7)}${r.first.padEnd(10)}${ms(median(r.unknown)).padStart(20)}${ms(median(r.disabled)).padStart(32)}`,
    ),
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
}

const t = await freshDatabase();
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
    for (let run = 1; run <= RUNS; run++) {
      const rounds: Round[] = [];
      for (let round = 0; round * TURN < REQUESTS; round++) {
        const order: Case[] = round % 2 ? ['disabled', 'unknown'] : ['unknown', 'disabled'];
        const taken: Round = { first: order[0], unknown: [], disabled: [] };
        for (const which of order) for (let i = 0; i < TURN; i++) taken[which].push(await once(which));
        rounds.push(taken);
      }
      printTurns(run, rounds);
      for (const which of Object.keys(CASES) as Case[]) medians[which].push(median(rounds.flatMap((r) => r[which])));
    }
  } finally {
    server.close();
  }
} finally {
  await t.drop();
}

finish({
  bench: '404',
  sizes: { runs: RUNS, requests_per_case: REQUESTS, turn: TURN, warm_up: WARM_UP },
  systems: { unknown: CASES.unknown.label, disabled: CASES.disabled.label },
  compare: {
    subject: 'unknown',
    against: ['disabled'],
    headings: ['module not enabled ÷ unknown workspace (goal: within 0.90–1.10)'],
  },
  figures: [{ name: `median of ${REQUESTS} requests`, unit: 'ms', better: 'lower', runs: medians }],
});
