import type { PlinthConfig } from '../config/index.js';
import type { Database } from '../db/index.js';
import type { Entities } from '../entities/index.js';
import type { EventBus } from '../events/index.js';
import { ContactMerge } from './contact-merge.js';
import { Lifecycle } from './lifecycle.js';
import { Registry } from './registry.js';

export { ContactMerge, type MergeCandidate, type MergeOutcome } from './contact-merge.js';
export { LifecycleError, PublisherError } from './errors.js';
export type { Actor, LifecycleEvent } from './lifecycle-events.js';
export { Lifecycle, type DowngradeOptions, type Installation, type InstalledRow } from './lifecycle.js';
export { sqlMigrations } from './migrations.js';
export { moduleNames, type ModuleNames } from './names.js';
export { BUNDLED_DIR, Registry, type PublishResult, type RegistryRow, type RegistryStatus } from './registry.js';

export interface Marketplace {
  registry: Registry;
  lifecycle: Lifecycle;
  /** Merging contacts, with every module's rows: it needs the installed modules' tables. */
  contactMerge: ContactMerge;
}

export interface MarketplaceDeps {
  db: Database;
  entities: Entities;
  config: PlinthConfig;
  bus: EventBus;
}

export function createMarketplace({ db, entities, config, bus }: MarketplaceDeps): Marketplace {
  const registry = new Registry(db, config, bus);
  return {
    registry,
    lifecycle: new Lifecycle(db, entities, registry, bus),
    contactMerge: new ContactMerge(db, entities, registry, bus),
  };
}
export { auditGrants, type ModuleGrants, type RoleRights } from './grants.js';
export { applyShellAccess, SHELL_READS, shellReadsOf } from './shell-access.js';
