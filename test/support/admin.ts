import type { Server } from 'node:http';
import express from 'express';
import { createAdmin } from '../../platform/admin/index.js';
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
      marketplace: p.market,
      runtime: p.runtime,
      config: { ...t.config, sessionSecret: options.sessionSecret ?? 'a test secret, not a real one' },
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
