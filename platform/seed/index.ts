import cliProgress from 'cli-progress';
import type { Database } from '../db/index.js';
import type { ContactInput, Entities } from '../entities/index.js';
import { NotFoundError } from '../errors/index.js';
import type { ModuleRuntime } from '../gateway/index.js';
import type { Marketplace } from '../registry/index.js';
import { loadShippedRecords } from '../records/index.js';
import { loadDemoData, type DemoData, type DemoRequest } from './demo-data.js';

export { loadDemoData, type DemoData } from './demo-data.js';
export { demoPassword } from './password.js';

const BATCH = 500;

export interface SeedOptions {
  password: string;
  /** Where the demo's modules come from and run: bundled modules are registered, installed and enabled through the lifecycle. */
  marketplace: Marketplace;
  runtime: ModuleRuntime;
  /**
   * Sends the demo's requests to the modules' public routes, as their callers would, and returns
   * how many were answered; the HTTP side lives with the commands, above the seed.
   */
  sendRequests: (sequences: DemoSequence[]) => Promise<number>;
  /** Show a progress bar on stderr (when it is a terminal). */
  progress?: boolean;
}

/** A module's demo requests in one workspace, sent in order (a later one may use an earlier answer). */
export interface DemoSequence {
  module: string;
  workspace: string;
  requests: DemoRequest[];
}

export interface SeedReport {
  workspaces: number;
  users: number;
  memberships: number;
  billingAccounts: number;
  subscriptions: number;
  modulesEnabled: number;
  moduleRows: number;
  moduleRequests: number;
  contacts: number;
}

const SEED_ACTOR = { type: 'system' as const, id: 'seed' };

/** Whether any workspace exists: a database never seeded (nor used) has none. */
export async function isEmpty(db: Database): Promise<boolean> {
  const [row] = await db.app(null, () => db.rows<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM workspaces) AS any'));
  return !row!.any; // a SELECT without FROM answers one row
}

/**
 * Writes the demo data: an agency with two client workspaces, their owners, billing and
 * 10,000 contacts. Idempotent: it only adds what is missing, so a second run writes nothing.
 * Returns what it added.
 */
export async function seedDemo(db: Database, entities: Entities, options: SeedOptions): Promise<SeedReport> {
  const data = loadDemoData();
  const report: SeedReport = {
    workspaces: 0,
    users: 0,
    memberships: 0,
    billingAccounts: 0,
    subscriptions: 0,
    modulesEnabled: 0,
    moduleRows: 0,
    moduleRequests: 0,
    contacts: 0,
  };
  const ids = new Map<string, string>();
  await loadShippedRecords(db);
  for (const w of data.workspaces) {
    const existing = await find(() => entities.workspaces.bySlug(w.slug));
    const row = existing ?? (await entities.workspaces.create({ slug: w.slug, name: w.name, parent: w.parent }));
    if (!existing) report.workspaces++;
    ids.set(w.slug, row.id);
    if (w.theme) await applyTheme(db, row.id, w.slug, w.theme);
  }
  for (const u of data.users) {
    const existing = await find(() => entities.users.byEmail(u.email));
    const user = existing ?? (await entities.users.create({ email: u.email, name: u.name, password: options.password }));
    if (!existing) report.users++;
    const held = new Map((await entities.users.memberships(user.id)).map((m) => [m.slug, m.role]));
    for (const m of u.memberships) {
      if (held.get(m.workspace) === m.role) continue;
      await entities.users.grant({ email: u.email, workspace: m.workspace, role: m.role });
      report.memberships++;
    }
  }
  const accounts = new Map<string, string>();
  for (const a of data.billingAccounts) {
    const workspaceId = ids.get(a.workspace)!;
    const existing = await entities.billing.accountFor(workspaceId);
    const account = existing?.workspaceId === workspaceId ? existing : await entities.billing.createAccount(workspaceId, a);
    if (account !== existing) report.billingAccounts++;
    accounts.set(a.workspace, account.id);
  }
  for (const s of data.subscriptions) {
    const workspaceId = ids.get(s.workspace)!;
    const held = await entities.billing.subscriptions(workspaceId);
    if (held.some((h) => h.plan === s.plan)) continue;
    const start = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 1));
    const end = new Date(Date.UTC(start.getUTCFullYear() + 1, start.getUTCMonth(), 1));
    await entities.billing.createSubscription(accounts.get(s.account)!, workspaceId, {
      ...s,
      currentPeriodStart: start,
      currentPeriodEnd: end,
    });
    report.subscriptions++;
  }
  await seedModules(data, ids, options, report);
  report.contacts = await seedContacts(db, entities, data, ids, options.progress ?? false);
  return report;
}

/**
 * Installs and enables the demo's modules where they are not yet, writes their demo rows where a
 * table is still empty, and sends their demo requests where the seed has just enabled them.
 */
async function seedModules(data: DemoData, ids: Map<string, string>, options: SeedOptions, report: SeedReport): Promise<void> {
  const { marketplace, runtime } = options;
  if (data.modules.length > 0) await marketplace.registry.registerBundled();
  const sequences: DemoSequence[] = [];
  for (const m of data.modules) {
    if (!(await marketplace.registry.installed(m.module))) await marketplace.lifecycle.install(m.module, undefined, SEED_ACTOR);
    for (const slug of m.workspaces) {
      const installations = await marketplace.lifecycle.installations(ids.get(slug)!);
      if (installations.some((i) => i.moduleId === m.module && i.enabled)) continue;
      await marketplace.lifecycle.enable(m.module, slug, m.settings?.[slug] ?? m.settings?.['*'], SEED_ACTOR);
      report.modulesEnabled++;
      const requests = m.requests?.[slug];
      if (requests) sequences.push({ module: m.module, workspace: slug, requests });
    }
    for (const [slug, tables] of Object.entries(m.rows ?? {})) {
      await runtime.run(m.module, { workspaceId: ids.get(slug)! }, async (ctx) => {
        for (const [table, rows] of Object.entries(tables)) {
          const model = ctx.models[table];
          if (!model) throw new Error(`seeds/demo.json: module "${m.module}" has no table "${table}"`);
          if ((await model.count()) > 0) continue;
          for (const row of rows) await model.create(row);
          report.moduleRows += rows.length;
        }
      });
    }
  }
  // After every module is enabled and has its rows: a chat answers from Knowledge, LogicLegal hears every lead.
  report.moduleRequests = await options.sendRequests(sequences);
}

async function seedContacts(
  db: Database,
  entities: Entities,
  data: DemoData,
  ids: Map<string, string>,
  progress: boolean,
): Promise<number> {
  const total = Object.values(data.contacts.perWorkspace).reduce((a, b) => a + b, 0);
  const bar = new cliProgress.SingleBar(
    { format: 'seeding contacts [{bar}] {value}/{total}', stream: process.stderr, noTTYOutput: false },
    cliProgress.Presets.shades_classic,
  );
  if (progress) bar.start(total, 0);
  let added = 0;
  let done = 0;
  for (const [slug, count] of Object.entries(data.contacts.perWorkspace)) {
    const workspaceId = ids.get(slug)!;
    for (let from = 0; from < count; from += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, count - from) }, (_, k) => demoContact(data, slug, from + k));
      const present = await existingEmails(
        db,
        workspaceId,
        batch.map((c) => c.emails[0]),
      );
      const missing = batch.filter((c) => !present.has(c.emails[0]));
      if (missing.length > 0) added += (await entities.contacts.importMany(workspaceId, missing)).created;
      done += batch.length;
      if (progress) bar.update(done);
    }
  }
  if (progress) bar.stop();
  // Fresh statistics, so list totals past a thousand rows can be estimated at once (the embedded database runs no autovacuum).
  if (added > 0) await db.owner('statistics after the demo import', () => db.exec('ANALYZE contacts, contact_identities'));
  return added;
}

async function existingEmails(db: Database, workspaceId: string, emails: string[]): Promise<Set<string>> {
  const rows = await db.app(workspaceId, () =>
    db.rows<{ value: string }>(
      "SELECT value FROM contact_identities WHERE workspace_id = $1 AND kind = 'email' AND value = ANY($2::text[])",
      [workspaceId, emails],
    ),
  );
  return new Set(rows.map((r) => r.value));
}

/** The i-th demo contact of a workspace: the same every run, so a rerun finds it. */
function demoContact(data: DemoData, slug: string, i: number): ContactInput & { emails: [string] } {
  const c = data.contacts;
  // The index is taken modulo the list's length; the demo data's lists are never empty.
  const pick = <T>(list: T[], salt: number): T => list[(i * 7 + salt * 13 + Math.floor(i / list.length)) % list.length]!;
  const first = pick(c.firstNames, 1);
  const last = pick(c.lastNames, 2);
  const n = String(i).padStart(4, '0');
  const withPhone = i % 3 !== 0;
  return {
    name: `${first} ${last}`,
    organization: pick(c.organizations, 3) ?? undefined,
    emails: [`${first}.${last}.${n}@${slug}.demo`.toLowerCase()],
    phones: withPhone ? [`+1 ${pick(c.areaCodes, 4)} 555 ${n}`] : [],
    source: { module: 'plinth', channel: 'demo-seed', ref: `${slug}-${n}` },
    consent: { email: { status: i % 4 === 0 ? 'denied' : 'granted', source: 'demo-seed' } },
    qualificationStatus: pick(c.statuses, 5),
    leadScore: (i * 37) % 101,
  };
}

async function find<T>(lookup: () => Promise<T>): Promise<T | null> {
  try {
    return await lookup();
  } catch (err) {
    if (err instanceof NotFoundError) return null;
    throw err;
  }
}

/** Gives a workspace a shipped theme, unless it already has one (an admin's choice stays). */
async function applyTheme(db: Database, workspaceId: string, slug: string, key: string): Promise<void> {
  await db.app(workspaceId, async () => {
    const [theme] = await db.rows<{ id: string }>('SELECT id FROM themes WHERE workspace_id IS NULL AND key = $1', [key]);
    if (!theme) throw new Error(`seeds/demo.json: workspace "${slug}" names theme "${key}", which no themes/*.json ships`);
    await db.exec('UPDATE workspaces SET theme_id = $2 WHERE id = $1 AND theme_id IS NULL', [workspaceId, theme.id]);
  });
}
