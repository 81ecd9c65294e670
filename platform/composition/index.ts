import { loadConfig, type PlinthConfig } from '../config/index.js';
import { openDatabase, type Database } from '../db/index.js';
import { createEntities, type Entities } from '../entities/index.js';
import { EventBus } from '../events/index.js';
import { ModuleRuntime } from '../gateway/index.js';
import { Imports } from '../import/index.js';
import { createMarketplace, type Marketplace } from '../registry/index.js';
import { WebhookDeliveries, Webhooks } from '../webhooks/index.js';
import { Dispatcher, type DispatcherOptions } from '../worker/index.js';

export interface PlatformOptions {
  config: PlinthConfig;
  db: Database;
  /** The database's entities when the caller already made them (a test database comes with its own). */
  entities?: Entities;
  /**
   * Whether commits NOTIFY other processes and the dispatcher LISTENs for theirs (over
   * `config.databaseUrl`). On by default, as every command runs; a test that watches one
   * process at a time turns it off.
   */
  notify?: boolean;
}

/** The platform's services over one database, composed in one place and in one order. */
export interface Platform {
  config: PlinthConfig;
  db: Database;
  entities: Entities;
  bus: EventBus;
  marketplace: Marketplace;
  /** The workspaces' outbound webhooks (decision 0035); the dispatcher delivers to them. */
  webhooks: Webhooks;
  /** Module code's only way in; made on first use, since only commands that run module code pay for its sandboxes. */
  readonly runtime: ModuleRuntime;
  /** CSV imports into a workspace's contacts and module tables. */
  imports: Imports;
  /** A dispatcher delivering the bus's events through this platform's runtime. */
  dispatcher(options?: Omit<DispatcherOptions, 'listenUrl'>): Dispatcher;
  /** Stops the bus's notifications and disposes the sandboxes; the database stays open (its opener closes it). */
  close(): Promise<void>;
}

export function createPlatform(options: PlatformOptions): Platform {
  const { config, db, notify = true } = options;
  const entities = options.entities ?? createEntities(db);
  const notifyUrl = notify ? config.databaseUrl : undefined;
  const bus = new EventBus(db, { notifyUrl });
  const marketplace = createMarketplace({ db, entities, config, bus });
  const webhookDeliveries = new WebhookDeliveries(db, bus, config);
  let runtime: ModuleRuntime | undefined;
  const platform: Platform = {
    config,
    db,
    entities,
    bus,
    marketplace,
    webhooks: new Webhooks(db, config),
    get runtime() {
      runtime ??= new ModuleRuntime({ db, entities, marketplace, config, bus });
      return runtime;
    },
    imports: new Imports({ db, entities, marketplace, runtime: () => platform.runtime }),
    dispatcher: (dispatcherOptions = {}) =>
      new Dispatcher(
        { db, bus, runtime: platform.runtime, config, webhooks: webhookDeliveries },
        { ...dispatcherOptions, listenUrl: notifyUrl },
      ),
    async close() {
      runtime?.close();
      await bus.close();
    },
  };
  return platform;
}

/** Opens the configured database (the environment's unless given) and composes the platform over it. */
export async function openPlatform(config: PlinthConfig = loadConfig()): Promise<Platform> {
  return createPlatform({ config, db: await openDatabase(config) });
}
