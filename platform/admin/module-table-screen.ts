import type { ModuleRuntime, TableChange } from '../gateway/index.js';
import type { PluginManifest } from '../manifests/index.js';
import type { RegistryRow } from '../registry/index.js';
import { arrayFilterProperties } from './array-filters.js';
import { referenceProperties } from './references.js';
import type { ResourceDefaults } from './resource-screens.js';
import { webFormProperties } from './web-form-screens.js';

type Table = NonNullable<PluginManifest['tables']>[number];

/** The values a string column may hold, when its schema lists them (`enum`). */
function choicesOf(column: object): string[] | undefined {
  const values = (column as { type?: string; enum?: unknown[] }).enum;
  return (column as { type?: string }).type === 'string' && values?.every((v) => typeof v === 'string') ? values : undefined;
}

/** A module table's screens as its manifest declares it: columns, labels, closed sets, hidden columns, the module told of writes. */
export function moduleTableDefaults(
  runtime: ModuleRuntime,
  row: RegistryRow,
  name: string,
  table: Table,
  workspaceId: string,
  workspaceSlug: string,
): ResourceDefaults {
  const columns = Object.entries(table.schema.properties);
  const hidden = columns.filter(([, column]) => column['x-plinth-hidden'] === true).map(([name]) => name);
  return {
    group: name,
    // A required column the admin may not write can only be filled by the module itself.
    creatable: !hidden.some((column) => table.schema.required?.includes(column)),
    created: 'created_at',
    label: table.label ?? table.name,
    // Without a layout: the manifest's columns in its order, then when the row was made.
    list: [
      ...columns
        .map(([name]) => name)
        .filter((name) => !hidden.includes(name))
        .slice(0, 6),
      'created_at',
    ],
    hidden,
    rowSchema: table.schema,
    choices: Object.fromEntries(
      columns.flatMap(([name, column]): [string, string[]][] => {
        const values = choicesOf(column);
        return values ? [[name, values]] : [];
      }),
    ),
    labels: Object.fromEntries(
      columns.flatMap(([name, column]) => (column['x-plinth-label'] ? [[name, column['x-plinth-label']]] : [])),
    ),
    ...(table.onChange && {
      onChange: (change: TableChange) => runtime.tableChanged(row, table.name, workspaceId, change),
    }),
    jsonText: columns.filter(([, column]) => column.type === 'object').map(([name]) => name),
    properties: {
      ...arrayFilterProperties(columns.filter(([, column]) => column.type === 'array').map(([name]) => name)),
      ...referenceProperties(
        row.moduleId,
        columns,
        (row.manifest.tables ?? []).map((t) => t.name),
      ),
      ...(table.webForm && webFormProperties(row.moduleId, workspaceSlug, table.webForm)),
    },
  };
}
