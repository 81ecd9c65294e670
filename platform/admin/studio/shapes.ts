/**
 * The JSON the studio API answers with, and what the screens hand the admin's pages in a
 * property's `custom`, declared once: the server builds these types and the pages read them. Declarations only, and every import here is `import type`: the pages
 * import this file with `import type` too, so no server code reaches the browser bundle.
 */
import type { LayoutDefinition } from '../../../manifests/types/layout.js';
import type { Pricing } from '../../../manifests/types/plugin-manifest.js';
import type { Theme } from '../../../manifests/types/theme.js';
import type { Contact } from '../../entities/contacts.js';
import type { MembershipRole } from '../../entities/models.js';
import type { StoredEvent } from '../../events/bus.js';
import type { MergeCandidate } from '../../registry/contact-merge.js';

export type { Contact, LayoutDefinition, StoredEvent, Theme };

/** A value as a page receives it: JSON.stringify sends every Date as its ISO string. */
export type Json<T> = T extends Date ? string : T extends object ? { [K in keyof T]: Json<T[K]> } : T;

/** A dashboard widget as the layouts declare it, which is also what an arrangement keeps. */
export type DeclaredWidget = NonNullable<LayoutDefinition['dashboard']>[number];

/** One day's count of events, `day` as YYYY-MM-DD in UTC. */
export interface DayCount {
  day: string;
  count: number;
}

export interface RecentRow {
  id: string;
  title: string;
  /** As the resource gives it: a Date from the database, a string from a module's resource. */
  createdAt: Date | string;
}

/**
 * A widget as the dashboard shows it: as declared, with what was computed for it. A per-day
 * widget's series each carry their days; series declared on another kind are passed on as declared.
 */
export interface ShownWidget extends Omit<DeclaredWidget, 'days' | 'series'> {
  /** Why it shows nothing: its resource is not a screen of this workspace. */
  problem?: string;
  /** count: how many rows the resource has. */
  value?: number;
  /** recent: the resource's newest rows. */
  rows?: RecentRow[];
  /** per_day of one series: its counts; otherwise the number of days as declared. */
  days?: DayCount[] | number;
  series?: (NonNullable<DeclaredWidget['series']>[number] & { days?: DayCount[] })[];
}

export interface DashboardReply {
  workspace: { slug: string; name: string; role: MembershipRole };
  canSwitch: boolean;
  widgets: ShownWidget[];
  arranged: 'own' | 'inherited' | null;
  /** What an editor may add; absent for members. */
  choices?: DeclaredWidget[];
  /** Webhooks the platform switched off after failing, for editors (members neither see nor manage webhooks). */
  webhookNotices?: { url: string; disabledAt: string; reason: string }[];
}

/** A resource of the layout editor: the layout that applies, and the workspace's own. */
export interface LayoutResource {
  id: string;
  label: string;
  properties: string[];
  layout: LayoutDefinition | null;
  own: LayoutDefinition | null;
}

export interface ThemeReply {
  theme: Theme | null;
  /** Where it comes from: `own`, `shared theme "<key>"`, `workspace "<slug>"` or `default`. */
  source: string;
}

/** How many client workspaces inherit what this one publishes. */
export interface Reach {
  clients: number;
}

/** A module as the marketplace lists it to a workspace. */
export interface MarketplaceListing {
  id: string;
  name: string;
  vendor: string;
  version: string;
  description: string;
  capabilities: string[];
  network: string[];
  tags: string[];
  pricing: Pricing;
  signature: string;
  installed: boolean;
  enabled: boolean;
  settings: Record<string, unknown> | null;
  settingsSchema: Record<string, unknown> | null;
  dependencies: string[];
}

/** A delivery of an event to a subscriber that failed (and is retried) or died. */
export interface FailedDelivery {
  id: string;
  eventId: string;
  event: string;
  subscriber: string;
  status: 'failed' | 'dead';
  attempts: number;
  lastError: string | null;
  nextAttemptAt: Date | null;
  occurredAt: Date;
}

export interface EventLogReply {
  events: StoredEvent[];
  deliveries: FailedDelivery[];
}

export interface ContactTimelineReply {
  contact: Contact;
  events: StoredEvent[];
}

export interface MergeChoices {
  contact: Contact;
  candidates: MergeCandidate[];
}

export interface MergeSearchReply {
  contacts: Contact[];
}

/** What a web form's fields property tells its screens: where the form's page lives and which columns name and title it. */
export interface WebFormProps {
  /** The page's path up to the slug: `/forms/<module id>/<workspace>/`. */
  pageBase: string;
  slugColumn: string;
  titleColumn?: string;
  activeColumn?: string;
}
