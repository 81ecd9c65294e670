/**
 * The bench's HTTP client, in a worker thread of its own: its parsing, decompression and garbage
 * collection run on another event loop and heap than the server it measures.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';

export interface ClientJob {
  listUrl: string;
  /** The record URL with `{id}` where the record's id goes. */
  recordUrl: string;
  cookie: string;
  requests: number;
}

export interface ClientResult {
  list: number[];
  record: number[];
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

async function run({ listUrl, recordUrl, cookie, requests }: ClientJob): Promise<ClientResult> {
  for (let i = 0; i < 10; i++) await get(listUrl, cookie); // warm-up
  const result: ClientResult = { list: [], record: [], bytes: 0, rows: 0 };
  let ids: string[] = [];
  for (let i = 0; i < requests; i++) {
    const r = await get(listUrl, cookie);
    result.list.push(r.ms);
    result.bytes += r.bytes;
    result.rows += r.body.records.length;
    ids = r.body.records.map((x: { id: string }) => x.id);
  }
  for (let i = 0; i < requests; i++) result.record.push((await get(recordUrl.replace('{id}', ids[i % ids.length]), cookie)).ms);
  return result;
}

parentPort!.postMessage(await run(workerData as ClientJob));
