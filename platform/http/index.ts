import type { Server } from 'node:http';
import express from 'express';
import { healthHandler, type RuntimeState } from './health.js';

export type { RuntimeState, SeedState } from './health.js';

/** The web application. The admin mounts here in a later step; for now: health and a front page. */
export function createApp(state: RuntimeState): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', healthHandler(state));
  app.get('/', (_req, res) => {
    res.type('html').send(`<!doctype html><meta charset="utf-8"><title>Plinth</title>
<h1>Plinth</h1><p>The platform is running. Health: <a href="/healthz">/healthz</a>.</p>`);
  });
  return app;
}

/** Listens on `host:port` (port 0 picks a free one) and resolves once it accepts connections. */
export function listen(app: express.Express, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(server)));
  });
}
