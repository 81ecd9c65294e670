import type { ErrorObject } from 'ajv/dist/2020.js';
import type { PluginManifest } from '../../manifests/types/plugin-manifest.js';
import { DataSchemas } from './vendor-schemas.js';

export type RowSchema = NonNullable<PluginManifest['tables']>[number]['schema'];
type Column = RowSchema['properties'][string];

/**
 * Every module table's row schema and every JSON Schema an admin writes into a column, compiled
 * once per text, as a module's `ctx.validate` compiles them: a schema the admin accepts is one
 * the module can use.
 */
const schemas = new DataSchemas();

/**
 * What is wrong with a row of a module table, by column (a message for each column at fault);
 * nothing when it holds. Held to what the manifest declares for each column (type, format,
 * pattern, enum, lengths, bounds, required, nested schemas): a module's code relies on its
 * declared shapes, and a row that breaks them fails later, where no one sees it. Hidden columns
 * are the module's own, never checked here: only the module writes them.
 */
export function rowProblems(schema: RowSchema, hidden: ReadonlySet<string>, row: Record<string, unknown>): Map<string, string> {
  const found = new Map<string, string[]>();
  const add = (column: string, message: string) => found.set(column, [...(found.get(column) ?? []), message]);
  const compiled = schemas.compile(schema);
  // Published only once the same compiler took it: a failure here is the platform's, not the row's.
  if ('error' in compiled) throw new Error(`the table's schema ${compiled.error}`);
  if (!compiled.validate(asJson(schema, row))) {
    for (const e of compiled.validate.errors ?? []) {
      const [column, ...inside] = e.instancePath.split('/').slice(1);
      // The row's own errors are its missing columns; every other is in a column.
      if (column === undefined) {
        const missing = (e.params as { missingProperty: string }).missingProperty;
        if (!hidden.has(missing)) add(missing, 'is required');
      } else if (!hidden.has(column)) add(column, describe(e, schema.properties[column], inside));
    }
  }
  for (const [name, column] of Object.entries(schema.properties)) {
    if (column['x-plinth-json-schema'] !== true || found.has(name) || hidden.has(name)) continue;
    const problem = row[name] === null || row[name] === undefined ? null : objectSchemaProblem(row[name]);
    if (problem) add(name, `must be a JSON Schema of an object with properties: ${problem}`);
  }
  return new Map([...found].map(([column, messages]) => [column, messages.join('; ')]));
}

/** The declared columns of a row as JSON values, as the database will give them back; a NULL column is left out. */
function asJson(schema: RowSchema, row: Record<string, unknown>): Record<string, unknown> {
  const json: Record<string, unknown> = {};
  for (const [name, column] of Object.entries(schema.properties)) {
    const value = row[name];
    if (value !== null && value !== undefined) json[name] = jsonValue(column, value);
  }
  return json;
}

/**
 * A column's value as JSON: a date as ISO text, a number from its text. Values read back (a
 * bigint is text) and posted (a date-time is a Date, a float is still text) both come as the
 * driver or AdminJS left them. What is not of the column's type stays as it is, to be refused.
 */
function jsonValue(column: Column, value: unknown): unknown {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return String(value);
    return column.format === 'date' ? value.toISOString().slice(0, 10) : value.toISOString();
  }
  if (typeof value === 'string' && (column.type === 'integer' || column.type === 'number') && value.trim() !== '') {
    const number = Number(value);
    return Number.isFinite(number) ? number : value;
  }
  return value;
}

/** An error of the row's schema in words, for the form beside its column; `inside` is where in the column's value. */
function describe(e: ErrorObject, column: Column | undefined, inside: string[]): string {
  const params = e.params as { pattern?: string; additionalProperty?: string; allowedValues?: unknown[] };
  const where = inside.length > 0 ? `at /${inside.join('/')}: ` : '';
  const description = inside.length === 0 ? (column as { description?: string } | undefined)?.description : undefined;
  const because = description ? ` (${description})` : '';
  switch (e.keyword) {
    case 'pattern':
      return `${where}must match the pattern the module declares, ${params.pattern}${because}`;
    case 'format':
      return `${where}${e.message}${because}`;
    case 'enum':
      return `${where}must be one of ${params.allowedValues!.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'additionalProperties':
      return `${where}${e.message} ("${params.additionalProperty}")`;
    default:
      return `${where}${e.message ?? 'is invalid'}`;
  }
}

/** Why a value is not a JSON Schema of an object of fields the module can check values against; null when it is. */
function objectSchemaProblem(value: unknown): string | null {
  const schema = value as { type?: unknown; properties?: unknown };
  const shape = [
    schema.type === undefined
      ? 'it does not say "type": "object"'
      : schema.type !== 'object' && `its "type" is ${JSON.stringify(schema.type)}, not "object"`,
    (typeof schema.properties !== 'object' || schema.properties === null || Array.isArray(schema.properties)) &&
      'it has no "properties" object',
  ].filter((problem): problem is string => typeof problem === 'string');
  if (shape.length > 0) return shape.join('; ');
  const compiled = schemas.compile(schema);
  return 'error' in compiled ? `it ${compiled.error}` : null;
}
