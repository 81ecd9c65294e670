import type { PlinthConfig } from '../../platform/config/index.js';
import { EventBus } from '../../platform/events/index.js';
import { ModuleRuntime } from '../../platform/gateway/index.js';
import { packageFromDir } from '../../platform/manifests/index.js';
import { createMarketplace, type Marketplace } from '../../platform/registry/index.js';
import { Dispatcher, type DispatcherOptions } from '../../platform/worker/index.js';
import type { TestDatabase } from './database.js';

export const actor = { type: 'system' as const, id: 'test' };

/** The platform's moving parts over one test database, wired as `plinth serve` wires them. */
export interface TestPlatform {
  bus: EventBus;
  market: Marketplace;
  runtime: ModuleRuntime;
  dispatcher(options?: DispatcherOptions): Dispatcher;
  /** Publishes (unsigned), installs and enables a plugin folder in the given workspaces. */
  add(dir: string, id: string, workspaces: string[]): Promise<void>;
}

/** `settings` change the test database's configuration, as the operator's environment would. */
export function testPlatform(t: TestDatabase, settings: Partial<PlinthConfig> = {}): TestPlatform {
  const config = { ...t.config, ...settings };
  const bus = new EventBus(t.db);
  const market = createMarketplace(t.db, t.entities, { ...config, allowUnsigned: true }, bus);
  const runtime = new ModuleRuntime(t.db, t.entities, market, config, bus);
  return {
    bus,
    market,
    runtime,
    dispatcher: (options) => new Dispatcher(t.db, bus, runtime, config, options),
    async add(dir, id, workspaces) {
      await market.registry.publish(packageFromDir(dir), { source: 'published', label: id, actor });
      await market.lifecycle.install(id, undefined, actor);
      for (const slug of workspaces) await market.lifecycle.enable(id, slug, undefined, actor);
    },
  };
}
