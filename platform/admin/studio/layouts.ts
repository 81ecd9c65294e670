import { Filter, flat } from 'adminjs';
import { NotFoundError, ValidationError } from '../../errors/index.js';
import type { LayoutDefinition } from '../../manifests/index.js';
import type { CatalogEntry } from '../screens.js';
import { asContract, requireEditor, type StudioDeps, type StudioRequest } from './context.js';
import type { LayoutResource } from './shapes.js';

/** adminjs declares `unflatten` through the `flat` package, which has no types: it arrives here untyped. */
const unflatten = flat.unflatten as (params: Record<string, unknown>) => Record<string, unknown>;

const SCREENS = ['list', 'show', 'edit', 'filter'] as const;

/** The resources of this workspace's screens: what the layout editor offers, with the layout that applies and the workspace's own. */
export async function layoutCatalog({ db }: StudioDeps, { user, screens }: StudioRequest): Promise<LayoutResource[]> {
  const own = await ownLayouts(db, user.workspaceId);
  return [...screens.catalog.values()].map((entry) => ({
    id: entry.id,
    label: entry.label,
    properties: entry.properties,
    layout: entry.layout ?? null,
    own: own.get(entry.id) ?? null,
  }));
}

/**
 * Publishes the workspace's own layout of one resource (what its screens show from the next
 * request on), after checking it against the layout schema and the resource's properties.
 */
export async function publishLayout({ db }: StudioDeps, { user, screens }: StudioRequest, resource: string, body: unknown) {
  requireEditor(user, 'layouts');
  const entry = entryOf(screens.catalog, resource);
  const definition = asContract<LayoutDefinition>('layout', body, (b) => ({ ...b, resource }));
  unknownProperties(entry, definition);
  await db.app(user.workspaceId, () =>
    db.exec(
      `INSERT INTO layout_definitions (workspace_id, module_id, resource, definition) VALUES ($1, $2, $3, $4)
       ON CONFLICT ((COALESCE(workspace_id, '00000000-0000-0000-0000-000000000000'::uuid)), resource)
       DO UPDATE SET definition = EXCLUDED.definition, version = layout_definitions.version + 1`,
      [user.workspaceId, resource.includes('.') ? resource.split('.')[0] : null, resource, JSON.stringify(definition)],
    ),
  );
  return definition;
}

/** A few of the resource's newest rows, whole, for the editor's preview of fields not shown yet. */
export async function layoutSample(_deps: StudioDeps, { screens }: StudioRequest, resource: string) {
  const entry = entryOf(screens.catalog, resource);
  const records = await entry.resource.find(new Filter({}, entry.resource), { limit: 3 });
  return records.map((record) => unflatten(record.params));
}

/** Drops the workspace's own layout: the one its parent or the default gives applies again. */
export async function revertLayout({ db }: StudioDeps, { user, screens }: StudioRequest, resource: string) {
  requireEditor(user, 'layouts');
  entryOf(screens.catalog, resource);
  const removed = await db.app(user.workspaceId, () =>
    db.rows('DELETE FROM layout_definitions WHERE workspace_id = $1 AND resource = $2 RETURNING id', [
      user.workspaceId,
      resource,
    ]),
  );
  if (removed.length === 0) throw new NotFoundError(`layout of "${resource}" in workspace`, user.workspaceSlug);
}

function entryOf(catalog: Map<string, CatalogEntry>, resource: string): CatalogEntry {
  const entry = catalog.get(resource);
  if (!entry) throw new NotFoundError('resource in this workspace', resource);
  return entry;
}

/** A layout may name only properties its resource has: a typo would silently drop a column. */
function unknownProperties(entry: CatalogEntry, layout: LayoutDefinition): void {
  const known = new Set(entry.properties);
  const named: [string, string][] = [
    ...SCREENS.flatMap((screen) => (layout[screen] ?? []).map((p, i): [string, string] => [`/${screen}/${i}`, p])),
    ...Object.keys(layout.labels ?? {}).map((p): [string, string] => [`/labels/${p}`, p]),
    ...(layout.sort ? [['/sort/property', layout.sort.property] as [string, string]] : []),
  ];
  const wrong = named.filter(([, p]) => !known.has(p));
  const [first] = wrong;
  if (first) {
    throw new ValidationError(
      first[0],
      `${wrong.map(([path, p]) => `${path}: "${p}" is not a property of ${entry.id}`).join('; ')} (it has: ${entry.properties.join(', ')})`,
    );
  }
}

async function ownLayouts(db: StudioDeps['db'], workspaceId: string): Promise<Map<string, LayoutDefinition>> {
  const rows = await db.app(workspaceId, () =>
    db.rows<{ resource: string; definition: LayoutDefinition }>(
      'SELECT resource, definition FROM layout_definitions WHERE workspace_id = $1',
      [workspaceId],
    ),
  );
  return new Map(rows.map((r) => [r.resource, r.definition]));
}
