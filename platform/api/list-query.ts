import { ValidationError } from '../errors/index.js';
import { UUID } from '../entities/index.js';
import { afterPosition, cutPage, decodeCursor, orderBy, pageSize, positionOf, type Order, type Position } from './cursor.js';
import { castOf, operatorsOf, type Field, type ListShape, type Operator } from './list-shape.js';

/** The parameters every list takes besides its filters, which are `<field>.<operator>`. */
export const LIST_PARAMETERS = ['limit', 'cursor', 'sort', 'fields'] as const;

/** At most this many values in one `in` filter. */
export const MAX_IN = 100;

interface Filter {
  field: Field;
  operator: Operator;
  /** One value, or a list for `in`; for `null`, whether the field must be null. */
  value: string | string[] | boolean;
}

/** A list request as the query string asks for it, every parameter checked against the list's shape. */
export interface ListRequest {
  limit: number;
  /** `createdAt` or `-createdAt`, as given (the cursor is bound to it). */
  sort: string;
  order: Order;
  sortField: Field;
  after: Position | null;
  /** The fields a row carries: those asked for (and always `id`), or every one. */
  fields: string[];
  filters: Filter[];
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A query value as the field's type takes it, refused naming the parameter when it is not one. */
function valueOf(field: Field, raw: string, parameter: string): string {
  const refuse = (what: string) => new ValidationError(parameter, `"${raw}" is not ${what}`);
  switch (field.type) {
    case 'integer':
      if (!/^-?\d{1,18}$/.test(raw)) throw refuse('a whole number');
      return raw;
    case 'number':
      if (!/^-?\d+(\.\d+)?([eE][-+]?\d{1,3})?$/.test(raw) || !Number.isFinite(Number(raw))) throw refuse('a number');
      return raw;
    case 'boolean':
      if (raw !== 'true' && raw !== 'false') throw refuse('true or false');
      return raw;
    case 'timestamp':
      if (!TIMESTAMP.test(raw) || Number.isNaN(Date.parse(raw))) throw refuse('a time with its zone (2026-11-30T09:00:00Z)');
      return raw;
    case 'date':
      if (!DATE.test(raw) || Number.isNaN(Date.parse(raw))) throw refuse('a date (2026-11-30)');
      return raw;
    case 'uuid':
      if (!UUID.test(raw)) throw refuse('an id (a UUID)');
      return raw;
    default: {
      if (raw.length > 1000) throw new ValidationError(parameter, 'is longer than 1000 characters');
      if (field.enum && !field.enum.includes(raw)) throw refuse(`one of ${field.enum.join(', ')}`);
      return field.normalize ? field.normalize(raw, parameter) : raw;
    }
  }
}

/** A filter parameter (`leadScore.gte`) with its value; refused naming it when the list has no such field or operator. */
function filterOf(shape: ListShape, parameter: string, given: string | string[]): Filter {
  const dot = parameter.lastIndexOf('.');
  const name = parameter.slice(0, dot);
  const operator = parameter.slice(dot + 1) as Operator;
  const field = Object.hasOwn(shape.fields, name) ? shape.fields[name] : undefined;
  if (!field) throw new ValidationError(parameter, `is not a parameter of this list: "${name}" is none of its fields`);
  const allowed = operatorsOf(field);
  if (!allowed.includes(operator))
    throw new ValidationError(
      parameter,
      allowed.length === 0
        ? `"${name}" cannot be filtered on`
        : `"${operator}" is not an operator of "${name}"; use ${allowed.map((o) => `${name}.${o}`).join(', ')}`,
    );
  if (operator === 'in') {
    const values = Array.isArray(given) ? given : given.split(',');
    if (values.length > MAX_IN) throw new ValidationError(parameter, `takes at most ${MAX_IN} values`);
    return { field, operator, value: values.map((v) => valueOf(field, String(v), parameter)) };
  }
  if (Array.isArray(given)) throw new ValidationError(parameter, 'is given more than once');
  const raw = given;
  if (operator === 'null') {
    if (raw !== 'true' && raw !== 'false') throw new ValidationError(parameter, `"${raw}" is not true or false`);
    return { field, operator, value: raw === 'true' };
  }
  if (operator === 'has') return { field, operator, value: valueOf({ ...field, type: 'string' }, raw, parameter) };
  return { field, operator, value: valueOf(field, raw, parameter) };
}

/** `sort`: a sortable field, `-` first for the largest first; the newest first when absent. */
function sortOf(shape: ListShape, raw: unknown): { sort: string; name: string; direction: 'asc' | 'desc' } {
  const sort = raw === undefined ? `-${shape.created}` : raw;
  if (typeof sort !== 'string') throw new ValidationError('sort', 'is given more than once');
  const name = sort.replace(/^-/, '');
  const sortable = Object.entries(shape.fields)
    .filter(([, f]) => f.sortable)
    .map(([n]) => n);
  if (!sortable.includes(name))
    throw new ValidationError(
      'sort',
      `"${sort}" is not a sort of this list; use ${sortable.join(', ')} (- first for descending)`,
    );
  return { sort, name, direction: sort.startsWith('-') ? 'desc' : 'asc' };
}

/** `fields`: a comma-separated list of the list's fields; every field when absent. `id` always comes. */
function fieldsOf(shape: ListShape, raw: unknown): string[] {
  const all = Object.keys(shape.fields);
  if (raw === undefined) return all;
  if (typeof raw !== 'string') throw new ValidationError('fields', 'is given more than once');
  const asked = raw.split(',');
  const unknown = asked.filter((name) => !all.includes(name));
  if (unknown.length > 0)
    throw new ValidationError('fields', `${unknown.map((u) => `"${u}"`).join(', ')} is none of ${all.join(', ')}`);
  return ['id', ...asked.filter((name) => name !== 'id')];
}

/**
 * The query string as text. The request checks (request-checks.ts) hand on numbers and booleans
 * already read as such; every value is read here again, from its text, by its field's type.
 */
export function queryText(query: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(query).map(([name, value]) => [
      name,
      typeof value === 'number' || typeof value === 'boolean'
        ? String(value)
        : Array.isArray(value)
          ? value.map((item) => (typeof item === 'string' ? item : String(item)))
          : value,
    ]),
  );
}

/**
 * Reads a list's query string: each parameter once, every one known, every value of its field's
 * type. What a parameter names wrong is refused naming it, before anything is read.
 */
export function parseList(shape: ListShape, given: Record<string, unknown>): ListRequest {
  const query = queryText(given);
  const filters: Filter[] = [];
  for (const [parameter, raw] of Object.entries(query)) {
    if ((LIST_PARAMETERS as readonly string[]).includes(parameter)) continue;
    if (!parameter.includes('.'))
      throw new ValidationError(
        parameter,
        `is not a parameter of this list; it takes ${LIST_PARAMETERS.join(', ')} and filters as <field>.<operator>`,
      );
    if (typeof raw !== 'string' && !Array.isArray(raw)) throw new ValidationError(parameter, 'is given more than once');
    filters.push(filterOf(shape, parameter, raw as string | string[]));
  }
  const { sort, name, direction } = sortOf(shape, query.sort);
  const sortField = shape.fields[name]!; // sortOf checked it
  return {
    limit: pageSize(query.limit),
    sort,
    sortField,
    order: { column: sortField.column, idColumn: 'id', direction, nullable: sortField.nullable },
    after: decodeCursor(query.cursor, sort),
    fields: fieldsOf(shape, query.fields),
    filters,
  };
}

/** A filter as SQL, its values bound through `bind`. */
function conditionOf({ field, operator, value }: Filter, bind: (value: unknown, cast: string) => string): string {
  const { column } = field;
  const cast = castOf(field);
  const comparisons: Partial<Record<Operator, string>> = { eq: '=', ne: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' };
  switch (operator) {
    case 'null':
      return `${column} IS ${value ? '' : 'NOT '}NULL`;
    case 'in':
      return `${column} = ANY(${bind(value, `${cast}[]`)})`;
    case 'contains':
      return `${column} ILIKE '%' || ${bind(String(value).replace(/[\\%_]/g, '\\$&'), 'text')} || '%'`;
    case 'has':
      return field.json ? `${column} @> jsonb_build_array(${bind(value, 'text')})` : `${bind(value, 'text')} = ANY(${column})`;
    case 'ne':
      return `${column} IS DISTINCT FROM ${bind(value, cast)}`;
    default:
      return `${column} ${comparisons[operator]} ${bind(value, cast)}`;
  }
}

/**
 * The statement reading one page of a list from `table`, in the workspace given as `$1`: the
 * filters, the position after the cursor, the order, one row more than a page (to know whether
 * another follows), and each row's position for the next cursor.
 */
export function listStatement(
  shape: ListShape,
  request: ListRequest,
  table: string,
  workspaceColumn: string,
  workspaceId: string,
): { sql: string; values: unknown[] } {
  const values: unknown[] = [workspaceId];
  const bind = (value: unknown, cast: string) => {
    values.push(value);
    return `$${values.length}::${cast}`;
  };
  const where = [`${workspaceColumn} = $1`, ...request.filters.map((f) => conditionOf(f, bind))];
  if (request.after)
    where.push(
      afterPosition(
        request.order,
        request.after.at,
        request.after.at === null ? 'NULL' : bind(request.after.at, castOf(request.sortField)),
        bind(request.after.id, 'uuid'),
      ),
    );
  const select = request.fields.map((name) => `${shape.fields[name]!.column} AS "${name}"`);
  return {
    sql: `SELECT ${select.join(', ')}, ${positionOf(request.sortField.column, request.sortField.type)}
            FROM ${table}
           WHERE ${where.join('\n             AND ')}
           ORDER BY ${orderBy(request.order)}
           LIMIT ${bind(request.limit + 1, 'int')}`,
    values,
  };
}

/** A page of rows and the cursor of the next one (null on the last page). */
export interface Page<R> {
  data: R[];
  next: string | null;
}

/** The page a list statement's rows make: a page's worth, positions left out, and the next cursor. */
export function pageOf<R extends { id: string }>(rows: (R & { position: string | null })[], request: ListRequest): Page<R> {
  const { page, next } = cutPage(rows, request.limit, request.sort);
  return { data: page.map(({ position: _position, ...row }) => row as unknown as R), next };
}
