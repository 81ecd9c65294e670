import assert from 'node:assert/strict';
import http, { type Server } from 'node:http';
import { createApp, listen } from '../../platform/http/index.js';
import { createModuleRoutes } from '../../platform/routes/index.js';
import type { TestDatabase } from './database.js';
import { onServer } from './database.js';
import type { TestPlatform } from './platform.js';

/** The modules' routes over HTTP on a free port, as `plinth serve` mounts them. */
export interface RouteServer {
  base: string;
  /** POSTs JSON (or the string given) from a loopback address of the caller's choice: rate limits count per address. */
  post(path: string, body: unknown, headers?: Record<string, string>, from?: string): Promise<Response>;
  close: () => void;
}

export async function routeServer(t: TestDatabase, p: TestPlatform, options: { trustProxy?: string } = {}): Promise<RouteServer> {
  const modules = createModuleRoutes({
    db: t.db,
    entities: t.entities,
    marketplace: p.marketplace,
    runtime: p.runtime,
    config: t.config,
  });
  const server: Server = await listen(
    createApp({ mode: onServer ? 'server' : 'embedded', seed: 'skipped', modules }, options),
    '127.0.0.1',
    0,
  );
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    base,
    post: (path, body, headers = {}, from = '127.0.0.1') =>
      new Promise((resolve, reject) => {
        const data = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
        const req = http.request(
          `${base}${path}`,
          {
            method: 'POST',
            localAddress: from,
            headers: { 'content-type': 'application/json', 'content-length': String(data.length), ...headers },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const status = res.statusCode ?? 0;
              const text = Buffer.concat(chunks);
              const answer = new Headers(Object.entries(res.headers).map(([k, v]): [string, string] => [k, String(v)]));
              resolve(new Response(status === 204 ? null : text, { status, headers: answer }));
            });
          },
        );
        req.on('error', reject);
        req.end(data);
      }),
    close: () => server.close(),
  };
}

/** A billing account and an active subscription covering `modules`, so paid modules can be enabled. */
export async function subscribe(t: TestDatabase, workspaceId: string, modules: string[]): Promise<void> {
  const account = await t.entities.billing.createAccount(workspaceId, { name: 'Test billing', currency: 'USD' });
  await t.entities.billing.createSubscription(account.id, workspaceId, {
    plan: 'test',
    modules,
    status: 'active',
    currentPeriodStart: new Date(Date.now() - 86_400_000),
    currentPeriodEnd: new Date(Date.now() + 30 * 86_400_000),
  });
}

/** Sends a bad request and checks that the refusal has the status, names what was wrong, and wrote nothing. */
export async function expectRefused(
  contents: () => Promise<unknown>,
  send: () => Promise<Response>,
  status: number,
  mention: RegExp,
): Promise<void> {
  const before = await contents();
  const res = await send();
  const body = (await res.json()) as { error: string };
  assert.equal(res.status, status, body.error);
  assert.match(body.error, mention);
  assert.deepEqual(await contents(), before, 'a refused request wrote nothing');
}
