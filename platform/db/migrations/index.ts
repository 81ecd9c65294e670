import { contacts } from './0002-contacts.js';
import { events } from './0003-events.js';
import { modules } from './0004-modules.js';
import { themesLayouts } from './0005-themes-layouts.js';
import { billing } from './0006-billing.js';
import { modulePackages } from './0007-module-packages.js';
import { rowLevelSecurity } from './0008-row-level-security.js';
import { eventBus } from './0009-event-bus.js';
import { eventPartitions } from './0010-event-partitions.js';
import { admin } from './0011-admin.js';
import { adminFastPaths } from './0012-admin-fast-paths.js';
import { moduleRoutes } from './0013-module-routes.js';
import { safeDefiners } from './0014-safe-definers.js';
import { modulePublishers } from './0015-module-publishers.js';
import { moduleIdentity } from './0016-module-identity.js';
import { routeWorkspaceLookup } from './0017-route-workspace-lookup.js';
import { routeSignatures } from './0018-route-signatures.js';
import { signInHardening } from './0019-sign-in-hardening.js';
import { twoFactor } from './0020-two-factor.js';
import { contactSearch } from './0021-contact-search.js';
import { apiTokens } from './0022-api-tokens.js';
import { apiIdempotency } from './0023-api-idempotency.js';
import { webhooks } from './0024-webhooks.js';
import { imports } from './0025-imports.js';
import { importOutcomes } from './0026-import-outcomes.js';
import { workspacesUsers } from './0001-workspaces-users.js';
import type { ShellMigration } from './context.js';

export type { MigrationContext, ShellMigration } from './context.js';

/** The shell's migrations, in order. Listed, not globbed: the order is part of the code. */
export const shellMigrations: ShellMigration[] = [
  workspacesUsers,
  contacts,
  events,
  modules,
  themesLayouts,
  billing,
  modulePackages,
  rowLevelSecurity,
  eventBus,
  eventPartitions,
  admin,
  adminFastPaths,
  moduleRoutes,
  safeDefiners,
  modulePublishers,
  moduleIdentity,
  routeWorkspaceLookup,
  routeSignatures,
  signInHardening,
  twoFactor,
  contactSearch,
  apiTokens,
  apiIdempotency,
  webhooks,
  imports,
  importOutcomes,
];
