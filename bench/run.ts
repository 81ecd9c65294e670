/**
 * `npm run bench -- --runs N [--only events,admin,404,api] [--label "…"]`: every bench, each seeding
 * its data once and measuring it N times, one after the other in a process of its own. Prints each
 * bench's medians and ranges beside its peers', with the ratios, as markdown tables ready for the
 * README, and saves the raw runs with the machine's facts to `bench/results/<date>.json`.
 * `npm run bench -- --table bench/results/<date>.json` prints a saved file's tables again.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { BenchArgumentError, report, runsArgument, valueArgument, type BenchRuns } from './runs.js';

const BENCHES = { events: 'events.js', admin: 'admin.js', '404': 'not-found.js', api: 'api.js' } as const;
type BenchName = keyof typeof BENCHES;
/** The order they run in: an object's integer-like keys ('404') would come first. */
const ORDER: BenchName[] = ['events', 'admin', '404', 'api'];
/** The one PostgreSQL server every bench of a set runs on, the one whose facts the results file records. */
const SERVER = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

/** What a results file holds: the runs of each bench, and where and when they were made. */
interface ResultsFile {
  date: string;
  startedAt: string;
  minutes: number;
  runs: number;
  /** Why these figures are not the last word, where they are not (a loaded machine, say). */
  label?: string;
  machine: Record<string, string | number>;
  /** How long each bench took, seeding included. */
  seconds?: Record<string, number>;
  benches: (BenchRuns | { bench: string; error: string })[];
}

const here = fileURLToPath(new URL('.', import.meta.url));
const resultsDir = join(here, '..', '..', 'bench', 'results');

function tables(file: ResultsFile): string {
  const head = [
    `Results of ${file.date}: ${file.runs} run${file.runs === 1 ? '' : 's'} of each bench, ${file.minutes} min in all${
      file.seconds
        ? ` (${Object.entries(file.seconds)
            .map(([b, sec]) => `${b} ${sec} s`)
            .join(', ')})`
        : ''
    };` +
      ` ${file.machine.cpus} CPUs (${file.machine.cpu_model}), ${file.machine.memory_gib} GiB, Node ${file.machine.node}, PostgreSQL ${file.machine.postgresql}.`,
    ...(file.label ? [`Label: ${file.label}`] : []),
  ];
  return [...head, ...file.benches.map((b) => ('error' in b ? `bench ${b.bench}: FAILED (${b.error})` : report(b)))].join('\n\n');
}

async function postgresFacts(): Promise<Record<string, string>> {
  const client = new pg.Client({ connectionString: SERVER });
  await client.connect();
  try {
    const { rows } = await client.query<{ version: string; shared_buffers: string }>(
      "SELECT current_setting('server_version') AS version, current_setting('shared_buffers') AS shared_buffers",
    );
    return { postgresql: rows[0].version, postgresql_shared_buffers: rows[0].shared_buffers };
  } finally {
    await client.end();
  }
}

function machineFacts(): Record<string, string | number> {
  return {
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model ?? 'unknown',
    memory_gib: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    load_average_at_start: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  };
}

/** Runs one bench in its own process; its raw runs, or why there are none. */
function runBench(name: BenchName, runs: number, scratch: string): Promise<BenchRuns | { bench: string; error: string }> {
  const raw = join(scratch, `${name}.json`);
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--no-node-snapshot', join(here, BENCHES[name]), '--runs', String(runs), '--raw', raw],
      // bench:api runs on the embedded database unless told otherwise; in a set, all run on the server.
      { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DATABASE_URL: SERVER } },
    );
    child.on('exit', (code, signal) => {
      if (code === 0 && existsSync(raw)) resolve(JSON.parse(readFileSync(raw, 'utf8')) as BenchRuns);
      else resolve({ bench: name, error: `exited with ${signal ?? `code ${code}`}` });
    });
  });
}

/** `bench/results/<date>.json`, or `<date>-2.json` and on where a run of that day is already saved. */
function resultsPath(date: string): string {
  mkdirSync(resultsDir, { recursive: true });
  for (let n = 1; ; n++) {
    const path = join(resultsDir, n === 1 ? `${date}.json` : `${date}-${n}.json`);
    if (!existsSync(path)) return path;
  }
}

function onlyArgument(): BenchName[] {
  const only = valueArgument('--only');
  if (!only) return ORDER;
  const names = only.split(',');
  for (const n of names)
    if (!(n in BENCHES)) throw new BenchArgumentError('--only', `no bench named ${JSON.stringify(n)} (${ORDER.join(', ')})`);
  return names as BenchName[];
}

const saved = valueArgument('--table');
if (saved) {
  console.log(tables(JSON.parse(readFileSync(saved, 'utf8')) as ResultsFile));
} else {
  const runs = runsArgument();
  const only = onlyArgument();
  const label = valueArgument('--label');
  const started = new Date();
  const machine = { ...machineFacts(), ...(await postgresFacts()) };
  const scratch = mkdtempSync(join(os.tmpdir(), 'plinth-bench-'));
  const benches: ResultsFile['benches'] = [];
  const seconds: Record<string, number> = {};
  try {
    for (const name of only) {
      console.error(`\n== bench ${name}, ${runs} run${runs === 1 ? '' : 's'} ==`);
      const start = Date.now();
      benches.push(await runBench(name, runs, scratch));
      seconds[name] = Math.round((Date.now() - start) / 1000);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const file: ResultsFile = {
    date: started.toISOString().slice(0, 10),
    startedAt: started.toISOString(),
    minutes: Math.round((Date.now() - started.getTime()) / 6000) / 10,
    runs,
    ...(label ? { label } : {}),
    machine,
    seconds,
    benches,
  };
  const path = resultsPath(file.date);
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
  console.log(`\n${tables(file)}\n\nSaved to ${path}; the tables above are markdown, ready for the README.`);
  if (benches.some((b) => 'error' in b)) process.exitCode = 1;
}
