import { Filter } from 'adminjs';
import { NotFoundError, ValidationError } from '../../errors/index.js';
import type { LayoutDefinition } from '../../manifests/index.js';
import { canEdit, type CatalogEntry } from '../screens.js';
import { asContract, isObject, requireEditor, type StudioDeps, type StudioRequest } from './context.js';
import type { DashboardReply, DayCount, DeclaredWidget as Declared, RecentRow, ShownWidget } from './shapes.js';

/** The layout resource a dashboard's arrangement is kept under: no screen has this name (screens are contacts or <module>.<table>). */
const DASHBOARD = 'dashboard';

/** What a workspace sees when no layout declares dashboard widgets. */
const FALLBACK: Declared[] = [
  { kind: 'count', title: 'Contacts', resource: 'contacts' },
  { kind: 'per_day', title: 'Events per day', days: 14 },
  { kind: 'recent', title: 'Newest contacts', resource: 'contacts' },
];

const DAY_MS = 86_400_000;

/**
 * The dashboard: which workspace this is (and whether the user may switch), and its widgets, as
 * the layouts that apply declare them (each on its own resource unless it names another),
 * computed in this workspace: counts and recent rows through the scoped resources, events per
 * day (one series or several) from the log.
 */
export async function dashboard(
  { db, entities, webhooks }: StudioDeps,
  { user, screens }: StudioRequest,
): Promise<DashboardReply> {
  const workspace = await entities.workspaces.byId(user.workspaceId);
  const memberships = await entities.users.memberships(user.id);
  const arranged = await arrangement(db, user.workspaceId);
  const declared = declaredWidgets(screens);
  return {
    workspace: { slug: workspace.slug, name: workspace.name, role: user.role },
    canSwitch: memberships.length > 1,
    widgets: await widgets(db, user.workspaceId, screens, arranged?.widgets ?? (declared.length > 0 ? declared : FALLBACK)),
    arranged: arranged ? (arranged.own ? 'own' : 'inherited') : null,
    ...(canEdit(user.role) && {
      choices: widgetChoices(screens, declared),
      webhookNotices: (await webhooks.notices(user.workspaceId)).map((n) => ({
        url: n.url,
        disabledAt: new Date(n.disabledAt).toISOString(),
        reason: n.reason,
      })),
    }),
  };
}

/** The widgets the layouts of this workspace's screens declare, each on its own resource unless it names another. */
function declaredWidgets(screens: StudioRequest['screens']): Declared[] {
  return [...screens.catalog.values()].flatMap((entry) =>
    (entry.layout?.dashboard ?? []).map((w) => ({ ...w, resource: w.resource ?? entry.id })),
  );
}

/** What an editor may add: what the layouts and modules declare, the defaults, and a count and the newest rows of every screen. */
function widgetChoices(screens: StudioRequest['screens'], declared: Declared[]): Declared[] {
  const generic = [...screens.catalog.values()].flatMap((entry): Declared[] => [
    { kind: 'count', title: entry.label, resource: entry.id },
    { kind: 'recent', title: `Newest: ${entry.label}`, resource: entry.id },
  ]);
  const all = [...declared, ...FALLBACK, ...generic];
  return all.filter((w, i) => all.findIndex((o) => JSON.stringify(o) === JSON.stringify(w)) === i);
}

/**
 * The dashboard's own arrangement, if the workspace or, nearest first, one of its ancestors has
 * one: kept as the layout of the reserved resource "dashboard", which inherits as layouts do.
 */
async function arrangement(db: StudioDeps['db'], workspaceId: string): Promise<{ widgets: Declared[]; own: boolean } | null> {
  const [row] = await db.app(workspaceId, () =>
    db.rows<{ definition: LayoutDefinition; own: boolean }>(
      `WITH RECURSIVE up(id, parent_id, depth) AS (
         SELECT id, parent_id, 0 FROM workspaces WHERE id = $1
         UNION ALL SELECT w.id, w.parent_id, up.depth + 1 FROM workspaces w JOIN up ON w.id = up.parent_id)
       SELECT l.definition, l.workspace_id = $1 AS own
         FROM layout_definitions l JOIN up ON up.id = l.workspace_id
        WHERE l.resource = $2 ORDER BY up.depth LIMIT 1`,
      [workspaceId, DASHBOARD],
    ),
  );
  return row ? { widgets: row.definition.dashboard ?? [], own: row.own } : null;
}

/** Keeps the workspace's own choice and order of widgets, each checked against the layout schema and this workspace's screens. */
export async function arrangeDashboard({ db }: StudioDeps, { user, screens }: StudioRequest, body: unknown) {
  requireEditor(user, 'the dashboard');
  const widgets = isObject(body) ? body.widgets : undefined;
  if (!Array.isArray(widgets)) throw new ValidationError('/widgets', 'must be a list of widgets');
  const definition = asContract<LayoutDefinition>('layout', { widgets }, () => ({ resource: DASHBOARD, dashboard: widgets }));
  definition.dashboard!.forEach((w, i) => {
    if ((w.kind === 'count' || w.kind === 'recent') && !(w.resource && screens.catalog.has(w.resource)))
      throw new ValidationError(`/dashboard/${i}/resource`, `"${w.resource ?? ''}" is not a screen of this workspace`);
  });
  await db.app(user.workspaceId, () =>
    db.exec(
      `INSERT INTO layout_definitions (workspace_id, module_id, resource, definition) VALUES ($1, NULL, $2, $3)
       ON CONFLICT ((COALESCE(workspace_id, '00000000-0000-0000-0000-000000000000'::uuid)), resource)
       DO UPDATE SET definition = EXCLUDED.definition, version = layout_definitions.version + 1`,
      [user.workspaceId, DASHBOARD, JSON.stringify(definition)],
    ),
  );
  return definition;
}

/** Drops the workspace's own arrangement: its parent's, or the declared widgets, show again. */
export async function resetDashboard({ db }: StudioDeps, { user }: StudioRequest) {
  requireEditor(user, 'the dashboard');
  const removed = await db.app(user.workspaceId, () =>
    db.rows('DELETE FROM layout_definitions WHERE workspace_id = $1 AND resource = $2 RETURNING id', [
      user.workspaceId,
      DASHBOARD,
    ]),
  );
  if (removed.length === 0) throw new NotFoundError('dashboard arrangement of workspace', user.workspaceSlug);
}

async function widgets(
  db: StudioDeps['db'],
  workspaceId: string,
  screens: StudioRequest['screens'],
  shown: Declared[],
): Promise<ShownWidget[]> {
  const widgets: ShownWidget[] = [];
  for (const widget of shown) {
    const entry = widget.resource ? screens.catalog.get(widget.resource) : undefined;
    if (widget.kind === 'per_day' && widget.series) {
      const { days = 14, ...rest } = widget;
      const series = [];
      for (const s of widget.series) series.push({ ...s, days: await perDay(db, workspaceId, s.events, days) });
      widgets.push({ ...rest, series });
    } else if (widget.kind === 'per_day') {
      const events = widget.event ? [widget.event] : null;
      widgets.push({ ...widget, days: await perDay(db, workspaceId, events, widget.days ?? 14) });
    } else if (!entry) {
      widgets.push({ ...widget, problem: `no resource "${widget.resource}" in this workspace` });
    } else if (widget.kind === 'count') {
      widgets.push({ ...widget, value: await entry.resource.exactCount() });
    } else {
      widgets.push({ ...widget, rows: await recent(entry) });
    }
  }
  return widgets;
}

async function recent(entry: CatalogEntry): Promise<RecentRow[]> {
  const titleKey = entry.layout?.list?.[0] ?? entry.properties.find((p) => p === 'name' || p === 'title') ?? 'id';
  const records = await entry.resource.find(new Filter({}, entry.resource), {
    limit: 5,
    sort: { sortBy: 'createdAt', direction: 'desc' },
  });
  return records.map((r) => ({
    id: String(r.id()),
    title: String(r.get(titleKey) ?? r.id()),
    createdAt: r.get('createdAt') as Date | string,
  }));
}

/** Events of these names (any, when null) per day over the last `days` days, today last, in UTC. */
async function perDay(db: StudioDeps['db'], workspaceId: string, events: string[] | null, days: number): Promise<DayCount[]> {
  const rows = await db.app(workspaceId, () =>
    db.rows<{ day: string; count: string }>(
      `SELECT to_char(date_trunc('day', occurred_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day, count(*)::text AS count
         FROM events WHERE workspace_id = $1 AND ($2::text[] IS NULL OR name = ANY($2))
          AND occurred_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - make_interval(days => $3::int - 1)
        GROUP BY 1`,
      [workspaceId, events, days],
    ),
  );
  const counts = new Map(rows.map((r) => [r.day, Number(r.count)]));
  const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
  return Array.from({ length: days }, (_, i) => {
    const day = new Date(today - (days - 1 - i) * DAY_MS).toISOString().slice(0, 10);
    return { day, count: counts.get(day) ?? 0 };
  });
}
