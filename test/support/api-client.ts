import type { Server } from 'node:http';
import { createApi } from '../../platform/api/index.js';
import type { Platform } from '../../platform/composition/index.js';
import { createApp, listen } from '../../platform/http/index.js';
import { onServer } from './database.js';

export interface Answer {
  status: number;
  type: string;
  headers: Headers;
  body: any;
}

/** The workspace API served on a free port of loopback, and a client that calls it with a token. */
export interface ApiServer {
  base: string;
  call(method: string, path: string, token: string, body?: unknown, headers?: Record<string, string>): Promise<Answer>;
  close(): void;
}

export async function apiServer(platform: Platform): Promise<ApiServer> {
  const server: Server = await listen(
    createApp({ mode: onServer ? 'server' : 'embedded', seed: 'skipped', api: createApi(platform) }),
    '127.0.0.1',
    0,
  );
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    base,
    async call(method, path, token, body, headers = {}) {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return {
        status: res.status,
        type: res.headers.get('content-type') ?? '',
        headers: res.headers,
        body: text ? JSON.parse(text) : null,
      };
    },
    close: () => void server.close(),
  };
}
