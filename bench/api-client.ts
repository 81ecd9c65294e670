/**
 * `bench:api`'s HTTP client, in a worker thread of its own, so that its parsing and garbage
 * collection run on another event loop than the API server it measures. It stays up for the
 * whole bench: each message is one turn (the URLs to GET in order, with a token), answered with
 * each request's milliseconds and the ids of the first page it read (the bench checks them
 * against the statement's own rows). A request that is not a 200 with rows fails the turn.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';

export interface ClientTurn {
  urls: string[];
  token: string;
}

export interface ClientAnswer {
  ms: number[];
  firstIds: string[];
  error?: string;
}

/** Keeps its connections open between requests, as an integration's HTTP client does. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function get(url: string, token: string): Promise<{ ms: number; ids: string[] }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    http
      .get(url, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const ms = performance.now() - start;
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) return reject(new Error(`${url}: ${res.statusCode} ${text.slice(0, 300)}`));
          const body = JSON.parse(text) as { data: { id: string }[] };
          if (body.data.length === 0) return reject(new Error(`${url}: the page is empty; it would time nothing`));
          resolve({ ms, ids: body.data.map((row) => row.id) });
        });
      })
      .on('error', reject);
  });
}

parentPort!.on('message', (turn: ClientTurn) => {
  void (async () => {
    const answer: ClientAnswer = { ms: [], firstIds: [] };
    try {
      for (const url of turn.urls) {
        const { ms, ids } = await get(url, turn.token);
        if (answer.ms.length === 0) answer.firstIds = ids;
        answer.ms.push(ms);
      }
    } catch (err) {
      answer.error = (err as Error).message;
    }
    parentPort!.postMessage(answer);
  })();
});
