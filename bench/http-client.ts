/**
 * The bench's HTTP client, in a worker thread of its own: its parsing, decompression and garbage
 * collection run on another event loop and heap than the servers it measures. The systems take
 * turns, first in one order, then in the other, so that whatever drifts over the run (the database
 * writing back the bulk load, say) falls on all of them alike rather than on whichever goes first.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';

export interface Target {
  listUrl: string;
  /** The record URL with `{id}` where the record's id goes. */
  recordUrl: string;
  cookie: string;
  /** Searches of the list to time, by name (`phone`: a list URL with its search), where the system has a search. */
  searches?: Record<string, string>;
}

export interface ClientJob {
  targets: Target[];
  requests: number;
  /** How many requests a system sends in a row before the next one takes its turn. */
  turn: number;
  warmUp: number;
}

export interface Timings {
  list: number[];
  record: number[];
  /** Per search of the target, its timings. */
  search: Record<string, number[]>;
  bytes: number;
  rows: number;
}

/** One GET as a browser sends it (gzip accepted); the bytes that crossed the wire and the parsed body. */
function get(url: string, cookie: string): Promise<{ ms: number; bytes: number; body: any }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    http
      .get(url, { headers: { cookie, 'accept-encoding': 'gzip' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const ms = performance.now() - start;
          const raw = Buffer.concat(chunks);
          const text = (res.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
          if (res.statusCode !== 200) return reject(new Error(`${url}: ${res.statusCode} ${text.slice(0, 200)}`));
          resolve({ ms, bytes: raw.length, body: JSON.parse(text) });
        });
      })
      .on('error', reject);
  });
}

/** A list request, counted into the timings; the ids of the rows it listed. */
async function list(target: Target, into: Timings): Promise<string[]> {
  const r = await get(target.listUrl, target.cookie);
  into.list.push(r.ms);
  into.bytes += r.bytes;
  into.rows += r.body.records.length;
  return r.body.records.map((x: { id: string }) => x.id);
}

async function record(target: Target, id: string, into: Timings): Promise<void> {
  into.record.push((await get(target.recordUrl.replace('{id}', id), target.cookie)).ms);
}

/**
 * Sends request `i` of system `t` for every system, the systems taking turns of `turn` requests,
 * in order on even rounds and in reverse on odd ones (A B, B A, …): a drift over the run cancels out.
 */
async function inTurns(systems: number, requests: number, turn: number, send: (t: number, i: number) => Promise<unknown>) {
  for (let done = 0, round = 0; done < requests; done += turn, round++) {
    const order = [...Array(systems).keys()];
    if (round % 2) order.reverse();
    for (const t of order) for (let i = done; i < Math.min(requests, done + turn); i++) await send(t, i);
  }
}

const fresh = (): Timings => ({ list: [], record: [], search: {}, bytes: 0, rows: 0 });

/**
 * A target's searches, after the lists and records: warmed up alike, then `requests` of each, the
 * kinds taking turns request by request (phone, email, name, phone, …) so that none has the
 * caches to itself. Each must find something: a search that matched nothing would time nothing.
 */
async function searches(target: Target, requests: number, warmUp: number, into: Timings): Promise<void> {
  const kinds = Object.entries(target.searches ?? {});
  for (const [, url] of kinds) for (let i = 0; i < warmUp; i++) await get(url, target.cookie);
  for (const [kind] of kinds) into.search[kind] = [];
  for (let i = 0; i < requests; i++) {
    for (const [kind, url] of kinds) {
      const r = await get(url, target.cookie);
      if (r.body.records.length === 0) throw new Error(`${url}: the ${kind} search found nothing`);
      into.search[kind].push(r.ms);
    }
  }
}

async function run({ targets, requests, turn, warmUp }: ClientJob): Promise<Timings[]> {
  const ids: string[][] = [];
  for (const target of targets) {
    const listed = await list(target, fresh());
    for (let i = 0; i < warmUp; i++) await record(target, listed[i % listed.length], fresh());
    for (let i = 1; i < warmUp; i++) await list(target, fresh());
    ids.push(listed);
  }
  const timings = targets.map(fresh);
  await inTurns(targets.length, requests, turn, async (t) => (ids[t] = await list(targets[t], timings[t])));
  await inTurns(targets.length, requests, turn, (t, i) => record(targets[t], ids[t][i % ids[t].length], timings[t]));
  for (const [t, target] of targets.entries()) await searches(target, requests, warmUp, timings[t]);
  return timings;
}

parentPort!.postMessage(await run(workerData as ClientJob));
