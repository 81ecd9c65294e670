import express from 'express';
import { listen } from '../http/index.js';
import { createModuleRoutes, RouteSecrets, sign, type ModuleRoutesDeps } from '../routes/index.js';
import type { DemoSequence } from '../seed/index.js';

/** `{name}` in a path or body string: a value of an earlier answer in the same sequence (a conversation's id, its token). */
const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9]*)\}/g;

function fill<T>(value: T, known: Map<string, string>, where: string): T {
  const text = JSON.stringify(value).replace(PLACEHOLDER, (_, name: string) => {
    const found = known.get(name);
    if (found === undefined) throw new Error(`seeds/demo.json: ${where} uses {${name}}, which no earlier answer gave`);
    return JSON.stringify(found).slice(1, -1);
  });
  return JSON.parse(text) as T;
}

/**
 * Sends the demo's activity through the modules' own public routes, over loopback HTTP, as a
 * website or a telephony provider would: every check and handler runs as in production (signed
 * requests signed with the workspace's secret). The rate-limit counts it leaves (its address's)
 * are cleared, so the first person to try a form after the seed is not refused.
 */
export async function sendDemoRequests(deps: ModuleRoutesDeps, sequences: DemoSequence[]): Promise<number> {
  if (sequences.length === 0) return 0;
  const app = express();
  app.use('/m', createModuleRoutes(deps));
  const server = await listen(app, '127.0.0.1', 0);
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}/m`;
  const secrets = new RouteSecrets(deps.db, deps.entities, deps.marketplace.registry);
  let sent = 0;
  try {
    for (const { module, workspace, requests } of sequences) {
      const known = new Map<string, string>();
      for (const request of requests) {
        const where = `${module} ${request.method} ${request.path}`;
        const path = fill(request.path, known, where);
        const body = JSON.stringify(fill(request.body, known, where));
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (request.signed) {
          const timestamp = String(Math.floor(Date.now() / 1000));
          headers['x-plinth-timestamp'] = timestamp;
          headers['x-plinth-signature'] = sign(await secrets.issue(module, workspace), timestamp, body);
        }
        const res = await fetch(`${base}/${module}${path}`, { method: request.method, headers, body });
        const answer = (res.status === 204 ? {} : await res.json()) as Record<string, unknown>;
        if (res.status >= 400) throw new Error(`seeds/demo.json: ${where} was answered ${res.status}: ${String(answer.error)}`);
        for (const [key, value] of Object.entries(answer)) if (typeof value === 'string') known.set(key, value);
        sent++;
      }
    }
  } finally {
    server.close();
    await deps.db.app(null, () => deps.db.exec("DELETE FROM route_hits WHERE key LIKE '%:127.0.0.1'"));
  }
  return sent;
}
