import { UUID } from '../entities/index.js';
import { ValidationError } from '../errors/index.js';

/** A list filter the admin cannot answer: a value that cannot be of its column's type, or an unknown or unfilterable property. */
export class FilterError extends ValidationError {}

/** The list filter a resource's search box sends (`filters.search`), where the resource has one. */
export const SEARCH_FILTER = 'search';

/** Adds a value to the statement's and gives its placeholder (`$n`). */
export type Bind = (value: unknown) => string;

/** A Sequelize attribute type: its key (`INTEGER`), and for an array its elements' type. */
export interface AttributeType {
  key?: string;
  type?: { key?: string };
}

interface ColumnKind {
  /** What every value must be, as a refusal says it. */
  must: string;
  accepts(text: string): boolean;
  /** The condition a value (accepted) puts on the column. */
  equals(column: string, text: string, bind: Bind): string;
  /** Whether `from`/`to` bounds apply: AdminJS offers them for numbers and times. */
  ranged?: boolean;
}

/** Text as LIKE matches it literally: its wildcards and the escape character escaped. */
export const likeEscape = (value: string): string => value.replace(/[\\%_]/g, (c) => `\\${c}`);
const same = (column: string, text: string, bind: Bind) => `${column} = ${bind(text)}`;

/** A whole number PostgreSQL takes for a column of `bits` bits: larger ones fail the statement. */
function integer(bits: 32 | 64): ColumnKind {
  const limit = 2n ** BigInt(bits - 1);
  return {
    must: `an integer from ${-limit} to ${limit - 1n}`,
    accepts: (text) => /^-?\d{1,20}$/.test(text) && BigInt(text) >= -limit && BigInt(text) < limit,
    equals: same,
    ranged: true,
  };
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(?:Z|[+-](\d{2})(?::?(\d{2}))?)?)?$/i;

/**
 * An ISO 8601 date or time PostgreSQL takes as it is: `Date.parse` alone lets through text
 * PostgreSQL refuses (`1`, `March 7`), and the 31st of February.
 */
function isIsoTime(text: string): boolean {
  const parts = ISO_TIME.exec(text);
  if (!parts) return false;
  const [year, month, day, hour = 0, minute = 0, second = 0, zoneHours = 0, zoneMinutes = 0] = parts
    .slice(1)
    .map((part) => (part === undefined ? undefined : Number(part)));
  const date = new Date(Date.UTC(year!, month! - 1, day));
  return (
    year! >= 1 && // PostgreSQL has no year 0
    date.getUTCMonth() === month! - 1 &&
    date.getUTCDate() === day &&
    hour < 24 &&
    minute < 60 &&
    second < 60 &&
    zoneHours < 16 &&
    zoneMinutes < 60
  );
}

const TEXT: ColumnKind = {
  must: 'text',
  accepts: () => true,
  equals: (column, text, bind) => `${column} ILIKE ${bind(`%${likeEscape(text)}%`)}`,
};
const TIME: ColumnKind = {
  must: 'an ISO 8601 date or time (2024-05-31, 2024-05-31T09:30:00Z)',
  accepts: isIsoTime,
  equals: same,
  ranged: true,
};

/** The column types of the admin's resources (shell entities and module tables), by Sequelize key; JSON has none. */
const KINDS: Record<string, ColumnKind> = {
  TEXT,
  UUID: { must: 'a UUID', accepts: (text) => UUID.test(text), equals: same },
  INTEGER: integer(32),
  BIGINT: integer(64),
  'DOUBLE PRECISION': {
    must: 'a number',
    accepts: (text) => /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(text) && Number.isFinite(Number(text)),
    equals: same,
    ranged: true,
  },
  BOOLEAN: { must: 'true or false', accepts: (text) => text === 'true' || text === 'false', equals: same },
  DATE: TIME,
  DATEONLY: TIME,
};

/** A value as a refusal quotes it: long ones cut short. */
const quoted = (text: string) => JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);

/**
 * The condition one filter element puts on its column, `path` being the filter's name as sent
 * (`leadScore`, for `filters.leadScore`); null when its value is empty, which filters nothing.
 * A value the column's type cannot hold is refused here: sent to PostgreSQL, it would fail the
 * whole statement instead.
 */
/**
 * The condition of a column that holds one of a closed set of values (a status): the value itself,
 * never a part of it (`qualified` must not find `disqualified`), and only a value of the set.
 */
export function choiceCondition(
  path: string,
  column: string,
  choices: readonly string[],
  value: unknown,
  bind: Bind,
): string | null {
  const name = `filters.${path}`;
  if (value !== null && typeof value === 'object')
    throw new FilterError(name, 'this property takes a value, not a range (from, to)');
  const text = String(value ?? '');
  if (text === '') return null;
  if (!choices.includes(text)) throw new FilterError(name, `${quoted(text)} is not one of ${choices.join(', ')}`);
  return `${column} = ${bind(text)}`;
}

export function filterCondition(path: string, column: string, type: AttributeType, value: unknown, bind: Bind): string | null {
  const array = type.key === 'ARRAY';
  const kind = KINDS[(array ? type.type?.key : type.key) ?? ''];
  const name = `filters.${path}`;
  if (!kind) throw new FilterError(name, 'this property cannot be filtered on');
  if (value !== null && typeof value === 'object') {
    if (!kind.ranged) throw new FilterError(name, 'this property takes a value, not a range (from, to)');
    const bounds = Object.entries(value).map(([bound, text]) => {
      const at = `${name}~~${bound}`;
      if (bound !== 'from' && bound !== 'to') throw new FilterError(at, 'a range has only "from" and "to"');
      if (typeof text !== 'string') throw new FilterError(at, 'takes one value');
      if (text === '') return null;
      if (!kind.accepts(text)) throw new FilterError(at, `${quoted(text)} is not ${kind.must}`);
      return `${column} ${bound === 'from' ? '>=' : '<='} ${bind(text)}`;
    });
    const set = bounds.filter((bound) => bound !== null);
    return set.length > 0 ? set.join(' AND ') : null;
  }
  const text = String(value ?? '');
  if (text === '') return null;
  if (!kind.accepts(text)) throw new FilterError(name, `${quoted(text)} is not ${kind.must}`);
  return array ? `${bind(text)} = ANY(${column})` : kind.equals(column, text, bind);
}
