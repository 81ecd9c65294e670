/**
 * What a list endpoint offers, as data: its fields with their types, which filter operators
 * each takes, which it sorts on. The query parser (list-query.ts) and the OpenAPI document
 * (openapi.ts) are both read from it, so a parameter the spec names is one the list takes.
 */
export type FieldType = 'string' | 'integer' | 'number' | 'boolean' | 'timestamp' | 'date' | 'uuid' | 'array' | 'object';

export type Operator = 'eq' | 'ne' | 'in' | 'contains' | 'gt' | 'gte' | 'lt' | 'lte' | 'has' | 'null';

export interface Field {
  /** The column, quoted as SQL names it. */
  column: string;
  type: FieldType;
  /** The values a string field may hold, when it is a closed set. */
  enum?: readonly string[];
  /** The type of an array's items, for `has`. */
  items?: 'string';
  /** Kept as jsonb (a module's arrays and objects), not as a PostgreSQL array. */
  json?: boolean;
  nullable: boolean;
  /** Sorted on: only where an index leads with the column, so a sorted page is one index scan. */
  sortable?: boolean;
  /** The JSON Schema of the field's value, as the spec shows it. */
  schema: Record<string, unknown>;
  /** How a value given for the field is written before it is compared (an email in lower case). */
  normalize?: (value: string, parameter: string) => string;
}

export interface ListShape {
  /** By the name the API uses (`leadScore`, a module's `case_type`). */
  fields: Readonly<Record<string, Field>>;
  /** The field a list is sorted on by default, newest first. */
  created: string;
}

const ORDERED: Operator[] = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in'];

/** The filter operators a field takes: typed, so `leadScore.contains` or `name.gt` is a parameter no list has. */
export function operatorsOf(field: Field): Operator[] {
  const own: Operator[] = (() => {
    switch (field.type) {
      case 'string':
        return field.enum ? ['eq', 'ne', 'in'] : ['eq', 'ne', 'in', 'contains'];
      case 'uuid':
        return ['eq', 'in'];
      case 'integer':
      case 'number':
      case 'date':
        return ORDERED;
      case 'timestamp':
        return ['gt', 'gte', 'lt', 'lte'];
      case 'boolean':
        return ['eq'];
      case 'array':
        return field.items === 'string' ? ['has'] : [];
      case 'object':
        return [];
    }
  })();
  return field.nullable ? [...own, 'null'] : own;
}

/** The SQL type a value given for the field is cast to. */
export function castOf(field: Field): string {
  return {
    string: 'text',
    integer: 'bigint',
    number: 'double precision',
    boolean: 'boolean',
    timestamp: 'timestamptz',
    date: 'date',
    uuid: 'uuid',
    array: 'text',
    object: 'jsonb',
  }[field.type];
}
