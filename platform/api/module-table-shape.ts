import { quoteIdent } from '../db/index.js';
import type { PluginManifest } from '../manifests/index.js';
import type { Field, ListShape } from './list-shape.js';

export type Table = NonNullable<PluginManifest['tables']>[number];
type Column = Table['schema']['properties'][string];

const time = { type: 'string', format: 'date-time' };

/** A column's schema as the API shows it: the manifest's JSON Schema less the platform's own `x-plinth-*` notes. */
export function publicSchema(column: Column): Record<string, unknown> {
  return Object.fromEntries(Object.entries(column).filter(([key]) => !key.startsWith('x-plinth-')));
}

/** The columns the API reads and writes: every declared one but those the manifest hides (`x-plinth-hidden`). */
export function visibleColumns(table: Table): [string, Column][] {
  return Object.entries(table.schema.properties).filter(([, column]) => column['x-plinth-hidden'] !== true);
}

function typeOf(column: Column): Field['type'] {
  if (column.type !== 'string') return column.type;
  return ({ 'date-time': 'timestamp', date: 'date', uuid: 'uuid' } as const)[column.format ?? ''] ?? 'string';
}

/**
 * A module table's rows as a list's fields, from its manifest: the shell's id and timestamps,
 * then each visible column. It sorts on creation and on each column a declared index leads with
 * (after the workspace, as the platform creates every index).
 */
export function moduleTableList(table: Table): ListShape {
  const required = new Set(table.schema.required ?? []);
  const leading = new Set((table.indexes ?? []).map((index) => index.columns[0]));
  const columns = visibleColumns(table).map(([name, column]): [string, Field] => {
    const values = (column as { enum?: unknown[] }).enum;
    const items = (column as { items?: { type?: string } }).items?.type;
    return [
      name,
      {
        column: quoteIdent(name),
        type: typeOf(column),
        ...(column.type === 'string' && values?.every((v) => typeof v === 'string') && { enum: values }),
        ...(items === 'string' && { items: 'string' as const }),
        json: column.type === 'array' || column.type === 'object',
        nullable: !required.has(name),
        sortable: leading.has(name),
        schema: publicSchema(column),
      },
    ];
  });
  const stamp = (column: string, sortable: boolean): Field => ({
    column,
    type: 'timestamp',
    nullable: false,
    sortable,
    schema: time,
  });
  return {
    created: 'created_at',
    fields: {
      id: { column: 'id', type: 'uuid', nullable: false, schema: { type: 'string', format: 'uuid' } },
      ...Object.fromEntries(columns),
      created_at: stamp('created_at', true),
      updated_at: stamp('updated_at', false),
    },
  };
}

/** A row as a create takes it: the visible columns, the manifest's required ones required. */
export function createSchema(table: Table): Record<string, unknown> {
  const visible = visibleColumns(table);
  return {
    type: 'object',
    additionalProperties: false,
    required: (table.schema.required ?? []).filter((name) => visible.some(([n]) => n === name)),
    properties: Object.fromEntries(visible.map(([name, column]) => [name, publicSchema(column)])),
  };
}

/** What an update may set: any visible column; one the manifest does not require may be emptied (null). */
export function changeSchema(table: Table): Record<string, unknown> {
  const required = new Set(table.schema.required ?? []);
  return {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: Object.fromEntries(
      visibleColumns(table).map(([name, column]) => [
        name,
        required.has(name) ? publicSchema(column) : { anyOf: [publicSchema(column), { type: 'null' }] },
      ]),
    ),
  };
}

/** A row as the API answers it: its id and timestamps, and the visible columns. */
export function rowSchema(table: Table): Record<string, unknown> {
  const required = new Set(table.schema.required ?? []);
  return {
    type: 'object',
    required: ['id', 'created_at', 'updated_at'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      ...Object.fromEntries(
        visibleColumns(table).map(([name, column]) => [
          name,
          required.has(name) ? publicSchema(column) : { anyOf: [publicSchema(column), { type: 'null' }] },
        ]),
      ),
      created_at: time,
      updated_at: time,
    },
  };
}

/** Whether the API can make rows: not when a column the manifest requires is hidden, which only the module itself fills. */
export const creatable = (table: Table): boolean =>
  !(table.schema.required ?? []).some((name) => table.schema.properties[name]?.['x-plinth-hidden'] === true);
