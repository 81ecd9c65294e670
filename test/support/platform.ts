import { createPlatform, type Platform } from '../../platform/composition/index.js';
import type { PlinthConfig } from '../../platform/config/index.js';
import { packageFromDir } from '../../platform/manifests/index.js';
import type { TestDatabase } from './database.js';

export const actor = { type: 'system' as const, id: 'test' };

/** The platform over one test database, composed as every command composes it. */
export interface TestPlatform extends Platform {
  /** Publishes (unsigned), installs and enables a plugin folder in the given workspaces. */
  add(dir: string, id: string, workspaces: string[]): Promise<void>;
}

/**
 * `settings` change the test database's configuration, as the operator's environment would.
 * Unsigned packages are allowed, and commits notify no other process (a test runs one).
 */
export function testPlatform(t: TestDatabase, settings: Partial<PlinthConfig> = {}): TestPlatform {
  const config = { ...t.config, allowUnsigned: true, ...settings };
  const platform = createPlatform({ config, db: t.db, entities: t.entities, notify: false });
  return Object.assign(platform, {
    async add(dir: string, id: string, workspaces: string[]) {
      await platform.marketplace.registry.publish(packageFromDir(dir), { source: 'published', label: id, actor });
      await platform.marketplace.lifecycle.install(id, undefined, actor);
      for (const slug of workspaces) await platform.marketplace.lifecycle.enable(id, slug, undefined, actor);
    },
  });
}
