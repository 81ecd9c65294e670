/**
 * What every bench shares: `--runs N` (the rounds measured after one seeding), the raw figures of
 * each run as the runner saves them, and their summary: the median of the runs and their range,
 * side by side for each system, with the ratios of the systems compared.
 */
import { writeFileSync } from 'node:fs';

/** A figure's runs, per system; null where a run gave no figure (a workload past its deadline). */
export interface Figure {
  name: string;
  unit: string;
  /** Which way is better: the ratios read as an advantage of the subject (above 1: the subject did better). */
  better: 'higher' | 'lower';
  runs: Record<string, (number | null)[]>;
}

/** One bench's raw runs, as `bench/results/<date>.json` keeps them. */
export interface BenchRuns {
  bench: string;
  /** The sizes each run used (rows seeded, requests or events per run). */
  sizes: Record<string, number>;
  /** The systems, in the columns' order, with the label each column prints. */
  systems: Record<string, string>;
  /** The ratios printed: the subject's advantage over each system in `against`. */
  compare: {
    subject: string;
    against: string[];
    /** The ratio columns' headings, where the default would mislead. */ headings?: string[];
  };
  figures: Figure[];
  /** Facts checked once after the runs (rows left in `events_default`, say), printed as they are. */
  checks?: Record<string, number | string>;
}

export class BenchArgumentError extends Error {
  constructor(argument: string, reason: string) {
    super(`${argument}: ${reason}`);
    this.name = 'BenchArgumentError';
  }
}

/** `--runs N` from the arguments: 1 without it; anything but a whole number from 1 to 100 is refused. */
export function runsArgument(argv: string[] = process.argv): number {
  return countArgument('--runs', { fallback: 1, min: 1, max: 100 }, argv);
}

/** `<flag> N` from the arguments (`--contacts 20000`): `fallback` without it; anything but a whole number from `min` to `max` is refused. */
export function countArgument(
  flag: string,
  { fallback, min, max }: { fallback: number; min: number; max: number },
  argv: string[] = process.argv,
): number {
  const at = argv.indexOf(flag);
  if (at === -1) return fallback;
  const value = argv[at + 1];
  const count = Number(value);
  if (!Number.isInteger(count) || count < min || count > max)
    throw new BenchArgumentError(
      flag,
      `expected a whole number from ${min.toLocaleString('en')} to ${max.toLocaleString('en')}, got ${JSON.stringify(value ?? null)}`,
    );
  return count;
}

/** The value after `flag`, or undefined; a flag given without its value is refused. */
export function valueArgument(flag: string, argv: string[] = process.argv): string | undefined {
  const at = argv.indexOf(flag);
  if (at === -1) return undefined;
  const value = argv[at + 1];
  if (value === undefined || value.startsWith('--')) throw new BenchArgumentError(flag, 'expected a value after it');
  return value;
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

export interface Summary {
  median: number;
  min: number;
  max: number;
  /** Runs that gave a figure, of all runs. */
  counted: number;
  runs: number;
}

export function summarize(values: (number | null)[]): Summary | null {
  const counted = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (counted.length === 0) return null;
  return {
    median: median(counted),
    min: Math.min(...counted),
    max: Math.max(...counted),
    counted: counted.length,
    runs: values.length,
  };
}

/** The subject's advantage over `other` in each run where both gave a figure (above 1: the subject did better). */
export function advantages(figure: Figure, subject: string, other: string): (number | null)[] {
  const ours = figure.runs[subject] ?? [];
  const theirs = figure.runs[other] ?? [];
  return ours.map((a, i) => {
    const b = theirs[i];
    if (a === null || b === null || b === undefined || a <= 0 || b <= 0) return null;
    return figure.better === 'higher' ? a / b : b / a;
  });
}

const number = (value: number, unit: string): string => {
  const digits = unit === 'ms' ? (value < 1 ? 3 : value < 10 ? 2 : 1) : 0;
  return value.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
};

/** `median (min–max)`, or the value alone for one run; `—` and how many runs failed where some did. */
export function cell(summary: Summary | null, format: (v: number) => string): string {
  if (!summary) return '—';
  const shown =
    summary.runs === 1 || summary.min === summary.max
      ? format(summary.median)
      : `${format(summary.median)} (${format(summary.min)}–${format(summary.max)})`;
  return summary.counted < summary.runs ? `${shown}, ${summary.runs - summary.counted} of ${summary.runs} runs gave none` : shown;
}

const ratio = (v: number) => `×${v.toFixed(2)}`;

const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
const rule = (cells: string[]) => `|${cells.map(() => '---').join('|')}|`;

/**
 * The bench's summary as markdown, ready to paste into the README: one table of the figures the
 * systems share, with the ratios, and one of the figures only the subject has (no ratio to take).
 */
export function markdownTable(result: BenchRuns): string {
  const { subject, against } = result.compare;
  const systems = Object.keys(result.systems);
  const ownOnly = (f: Figure) => Object.keys(f.runs).every((s) => s === subject);
  const shared = result.figures.filter((f) => !ownOnly(f));
  const own = result.figures.filter(ownOnly);
  const header = [
    'figure',
    ...Object.values(result.systems),
    'unit',
    ...against.map(
      (s, i) =>
        result.compare.headings?.[i] ??
        `${result.systems[subject]} vs ${result.systems[s]} (>1: ${result.systems[subject]} ahead)`,
    ),
  ];
  const lines = [row(header), rule(header)];
  for (const figure of shared) {
    const values = systems.map((s) => (figure.runs[s] ? cell(summarize(figure.runs[s]), (v) => number(v, figure.unit)) : ''));
    const ratios = against.map((s) =>
      figure.runs[subject] && figure.runs[s] ? cell(summarize(advantages(figure, subject, s)), ratio) : '',
    );
    lines.push(row([figure.name, ...values, figure.unit, ...ratios]));
  }
  if (own.length) {
    const ownHeader = ['figure', result.systems[subject], 'unit'];
    lines.push('', row(ownHeader), rule(ownHeader));
    for (const figure of own)
      lines.push(row([figure.name, cell(summarize(figure.runs[subject]), (v) => number(v, figure.unit)), figure.unit]));
  }
  return lines.join('\n');
}

/** The summary to print after the runs: how many, the table, and the checks as they came out. */
export function report(result: BenchRuns): string {
  const runs = Math.max(...result.figures.flatMap((f) => Object.values(f.runs).map((r) => r.length)));
  const checks = Object.entries(result.checks ?? {}).map(([name, value]) => `${name}: ${value}`);
  return [
    `bench ${result.bench}: median (min–max) of ${runs} run${runs === 1 ? '' : 's'}; ${Object.entries(result.sizes)
      .map(([k, v]) => `${k} ${v.toLocaleString('en')}`)
      .join(', ')}`,
    markdownTable(result),
    ...checks,
  ].join('\n');
}

/** Prints the summary, and writes the raw runs where the runner asked for them (`--raw <file>`). */
export function finish(result: BenchRuns, argv: string[] = process.argv): void {
  console.log(report(result));
  const raw = valueArgument('--raw', argv);
  if (raw) writeFileSync(raw, JSON.stringify(result));
  if (argv.includes('--json')) console.log(JSON.stringify(result));
}
