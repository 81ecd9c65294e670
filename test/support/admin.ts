import type { Server } from 'node:http';
import express from 'express';
import { createAdmin } from '../../platform/admin/index.js';
import { workspaceDocument } from '../../platform/api/index.js';
import type { LimiterOptions } from '../../platform/admin/login-limiter.js';
import { listen } from '../../platform/http/index.js';
import type { Theme } from '../../platform/manifests/index.js';
import type { TestDatabase } from './database.js';
import type { TestPlatform } from './platform.js';

/** An Express app with the admin mounted at /admin over a test platform, as `plinth serve` mounts it. */
export function adminApp(t: TestDatabase, p: TestPlatform, options: { limits?: LimiterOptions; sessionSecret?: string } = {}) {
  const app = express();
  app.use(
    '/admin',
    createAdmin({
      db: t.db,
      entities: t.entities,
      marketplace: p.marketplace,
      runtime: p.runtime,
      config: { ...t.config, sessionSecret: options.sessionSecret ?? 'a test secret, not a real one' },
      webhooks: p.webhooks,
      apiDocument: (slug) => workspaceDocument(p, slug),
      limits: options.limits,
    }),
  );
  return app;
}

/** Listens on a free loopback port; the server and its base URL. */
export async function serveLocally(app: express.Express): Promise<{ server: Server; base: string }> {
  const server = await listen(app, '127.0.0.1', 0);
  return { server, base: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

/** Gives a workspace a theme of its own. */
export async function giveTheme(t: TestDatabase, workspaceId: string, definition: Omit<Theme, 'key' | 'name'>): Promise<void> {
  await t.db.owner('test theme', async () => {
    const [theme] = await t.db.rows<{ id: string }>(
      `INSERT INTO themes (workspace_id, key, name, definition) VALUES ($1, 'house', 'House', $2) RETURNING id`,
      [workspaceId, JSON.stringify({ key: 'house', name: 'House', ...definition })],
    );
    await t.db.exec('UPDATE workspaces SET theme_id = $1 WHERE id = $2', [theme.id, workspaceId]);
  });
}

/**
 * A browser in miniature: one cookie jar, this site's Origin on every request unless told
 * otherwise; like a browser's XHR, it asks again where a 307 says so (the admin's answer when
 * what a read-only request assumed changed under it), and shows every other redirect.
 */
export class AdminClient {
  cookie = '';
  /** The 307s followed so far. */
  askedAgain = 0;
  constructor(readonly base: string) {}

  async request(path: string, init: RequestInit & { origin?: string | null } = {}, again = true): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookie) headers.set('cookie', this.cookie);
    if (init.origin !== null && init.method && init.method !== 'GET') headers.set('origin', init.origin ?? this.base);
    const res = await fetch(this.base + path, { ...init, headers, redirect: 'manual' });
    const set = res.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0];
    const location = res.status === 307 ? res.headers.get('location') : null;
    if (!location || !again) return res;
    this.askedAgain++;
    return this.request(location, init, false);
  }

  post(path: string, form: Record<string, string>, origin?: string | null): Promise<Response> {
    return this.request(path, { method: 'POST', body: new URLSearchParams(form), origin });
  }

  /** A JSON request to the studio API (or any path): its status and parsed body. */
  async send(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<{ status: number; body: any }> {
    const res = await this.request(path, {
      method,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      headers: body === undefined ? {} : { 'content-type': contentType },
    });
    const json = res.headers.get('content-type')?.includes('json');
    return { status: res.status, body: res.status === 204 ? null : json ? await res.json() : await res.text() };
  }

  async json(path: string): Promise<any> {
    const res = await this.request(path);
    return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text() };
  }

  /** The page state AdminJS embeds in its HTML: what this user's browser receives. */
  async pageState(): Promise<{
    resources: { id: string; listProperties: { name: string }[] }[];
    branding: { companyName: string };
  }> {
    const html = await (await this.request('/admin')).text();
    return JSON.parse(/window\.REDUX_STATE = (.*);\n/.exec(html)![1]);
  }
}
