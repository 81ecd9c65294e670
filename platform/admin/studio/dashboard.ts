import { Filter } from 'adminjs';
import type { LayoutDefinition } from '../../manifests/index.js';
import type { CatalogEntry } from '../screens.js';
import type { StudioDeps, StudioRequest } from './context.js';

type Declared = NonNullable<LayoutDefinition['dashboard']>[number];

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
export async function dashboard({ db, entities }: StudioDeps, { user, screens }: StudioRequest) {
  const workspace = await entities.workspaces.byId(user.workspaceId);
  const memberships = await entities.users.memberships(user.id);
  return {
    workspace: { slug: workspace.slug, name: workspace.name, role: user.role },
    canSwitch: memberships.length > 1,
    widgets: await widgets(db, user.workspaceId, screens),
  };
}

async function widgets(db: StudioDeps['db'], workspaceId: string, screens: StudioRequest['screens']) {
  const declared = [...screens.catalog.values()].flatMap((entry) =>
    (entry.layout?.dashboard ?? []).map((w) => ({ ...w, resource: w.resource ?? entry.id })),
  );
  const widgets = [];
  for (const widget of declared.length > 0 ? declared : FALLBACK) {
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

async function recent(entry: CatalogEntry): Promise<{ id: string; title: string; createdAt: unknown }[]> {
  const titleKey = entry.layout?.list?.[0] ?? entry.properties.find((p) => p === 'name' || p === 'title') ?? 'id';
  const records = await entry.resource.find(new Filter({}, entry.resource), {
    limit: 5,
    sort: { sortBy: 'createdAt', direction: 'desc' },
  });
  return records.map((r) => ({ id: String(r.id()), title: String(r.get(titleKey) ?? r.id()), createdAt: r.get('createdAt') }));
}

/** Events of these names (any, when null) per day over the last `days` days, today last, in UTC. */
async function perDay(db: StudioDeps['db'], workspaceId: string, events: string[] | null, days: number) {
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
