import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { MembershipRole, QualificationStatus, SubscriptionStatus } from '../entities/index.js';

/** The shape of `seeds/demo.json`. */
export interface DemoData {
  /** `theme` is the key of a shipped theme (themes/*.json). */
  workspaces: { slug: string; name: string; parent?: string; theme?: string }[];
  users: { email: string; name: string; memberships: { workspace: string; role: MembershipRole }[] }[];
  billingAccounts: {
    workspace: string;
    name: string;
    currency: string;
    taxCountry?: string;
    taxId?: string;
    platformTaxRate?: number;
    billingEmail?: string;
  }[];
  subscriptions: { account: string; workspace: string; plan: string; modules: string[]; status: SubscriptionStatus }[];
  /**
   * Bundled modules (plugins/) to install and enable; rows of their tables per workspace (written
   * through the module, only where its table is empty); and requests to their public routes per
   * workspace (sent once, when the seed enables the module there).
   */
  modules: {
    module: string;
    workspaces: string[];
    /** Per workspace slug, or "*" for every workspace without its own. */
    settings?: Record<string, Record<string, unknown>>;
    rows?: Record<string, Record<string, Record<string, unknown>[]>>;
    requests?: Record<string, DemoRequest[]>;
  }[];
  contacts: {
    perWorkspace: Record<string, number>;
    firstNames: string[];
    lastNames: string[];
    organizations: (string | null)[];
    statuses: QualificationStatus[];
    areaCodes: string[];
  };
}

/** A request to a module's route: the path below /m/<module id>, and whether to sign it with the workspace's secret. */
export interface DemoRequest {
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body: unknown;
  signed?: boolean;
}

/** This file runs from `dist/platform/seed/`; the data stays in the repository's `seeds/`. */
const DEMO_FILE = fileURLToPath(new URL('../../../seeds/demo.json', import.meta.url));

export function loadDemoData(): DemoData {
  return JSON.parse(fs.readFileSync(DEMO_FILE, 'utf8')) as DemoData;
}
