/**
 * `bench:api`'s webhook receiver: node:http on loopback answering every POST 204 once its body
 * is read, in a worker thread of its own so that it does not share the dispatcher's event loop.
 * It posts its port once listening; asked `count`, it answers how many deliveries it took.
 */
import http from 'node:http';
import { parentPort } from 'node:worker_threads';

let received = 0;
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (req.method === 'POST') received++;
    res.writeHead(req.method === 'POST' ? 204 : 405).end();
  });
});
server.listen(0, '127.0.0.1', () => parentPort!.postMessage({ port: (server.address() as { port: number }).port }));
parentPort!.on('message', (message: string) => {
  if (message === 'count') parentPort!.postMessage({ received });
});
