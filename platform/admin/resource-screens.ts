import type { ResourceWithOptions } from 'adminjs';
import type { Database } from '../db/index.js';
import type { LayoutDefinition } from '../manifests/index.js';
import { bulkDelete } from './bulk-delete.js';
import { ScopedResource, type AnyModel, type ResourceScope } from './scoped-resource.js';

/** One resource of a workspace's screens, as the studio (layout editor, dashboard) needs it. */
export interface CatalogEntry {
  id: string;
  label: string;
  resource: ScopedResource;
  /** Every property the resource has, the workspace column excepted: what a layout may name. */
  properties: string[];
  /** The layout that applies (defaults, then ancestors, then the workspace's own), if any. */
  layout?: LayoutDefinition;
}

/** How a resource shows where no layout says otherwise. */
export interface ResourceDefaults {
  group: string;
  creatable: boolean;
  label: string;
  /** The property holding when a row was made: the default sort, on an index. */
  created: string;
  list?: string[];
  actions?: Record<string, object>;
  onChange?: ResourceScope['onChange'];
  jsonText?: string[];
  hidden?: string[];
  rowSchema?: ResourceScope['rowSchema'];
  choices?: ResourceScope['choices'];
  /** Property labels the manifest gives (`x-plinth-label`); a layout's labels win. */
  labels?: Record<string, string>;
  conditions?: ResourceScope['conditions'];
  create?: ResourceScope['create'];
  /** Options of single properties (how they show). */
  properties?: Record<string, object>;
}

/**
 * The resources of one workspace's screens, added one by one: each bound to the workspace, with
 * the layout that applies, and what the studio's catalog and the translations need of it.
 */
export function screenResources(db: Database, layouts: Map<string, LayoutDefinition>, editor: boolean) {
  const resources: ResourceWithOptions[] = [];
  const catalog = new Map<string, CatalogEntry>();
  const translations: Record<string, { properties: Record<string, string> }> = {};
  const labels: Record<string, string> = {};
  const add = (
    id: string,
    model: AnyModel,
    unit: ResourceScope['unit'],
    workspaceKey: string,
    defaults: ResourceDefaults,
  ): void => {
    const shown = (names?: string[]) => names?.filter((name) => !defaults.hidden?.includes(name));
    const layout = layouts.get(id);
    const sort = layout?.sort
      ? { sortBy: layout.sort.property, direction: layout.sort.direction ?? 'asc' }
      : { sortBy: defaults.created, direction: 'desc' as const };
    const resource = new ScopedResource(model, {
      db,
      unit,
      id,
      workspaceKey,
      sort,
      onChange: defaults.onChange,
      jsonText: defaults.jsonText,
      hidden: defaults.hidden,
      rowSchema: defaults.rowSchema,
      choices: defaults.choices,
      conditions: defaults.conditions,
      create: defaults.create,
    });
    const offMenu = layout?.navigation?.hidden === true;
    resources.push({
      resource,
      options: {
        id,
        navigation: offMenu ? false : { name: layout?.navigation?.group ?? defaults.group, icon: layout?.navigation?.icon },
        ...((layout?.list ?? defaults.list) && { listProperties: shown(layout?.list ?? defaults.list) }),
        ...(layout?.show && { showProperties: shown(layout.show) }),
        ...(layout?.edit && { editProperties: shown(layout.edit) }),
        ...(layout?.filter && { filterProperties: shown(layout.filter) }),
        sort,
        properties: {
          [workspaceKey]: { isVisible: false },
          ...Object.fromEntries((defaults.jsonText ?? []).map((column) => [column, { type: 'textarea' }])),
          ...Object.fromEntries(
            Object.entries(defaults.choices ?? {}).map(([column, values]) => [
              column,
              { availableValues: values.map((value) => ({ value, label: value })) },
            ]),
          ),
          ...defaults.properties,
        },
        actions: {
          new: { isAccessible: editor && defaults.creatable },
          edit: { isAccessible: editor },
          delete: { isAccessible: editor },
          bulkDelete: { isAccessible: editor, handler: bulkDelete },
          ...defaults.actions,
        },
      },
    });
    labels[id] = layout?.label ?? defaults.label;
    const properties = resource
      .properties()
      .map((p) => p.name())
      .filter((name) => name !== workspaceKey);
    catalog.set(id, { id, label: labels[id], resource, properties, layout });
    const propertyLabels = { ...defaults.labels, ...layout?.labels };
    if (Object.keys(propertyLabels).length > 0) translations[id] = { properties: propertyLabels };
  };
  return { add, resources, catalog, translations, labels };
}
