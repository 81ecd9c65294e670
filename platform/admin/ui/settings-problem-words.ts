import type { OutputUnit } from '@cfworker/json-schema';
import type { RJSFSchema } from '@rjsf/utils';

/** The keywords whose failure only says that something inside failed: the inner failure says what. */
const CONTAINERS = new Set([
  'properties',
  'patternProperties',
  'items',
  'prefixItems',
  'additionalItems',
  'unevaluatedItems',
  'unevaluatedProperties',
  'contains',
  'propertyNames',
  'dependentSchemas',
  '$ref',
  '$recursiveRef',
  'allOf',
  'if',
  'then',
  'else',
]);
/** The keywords whose failure is about every branch at once: their branches' failures are not the person's to fix one by one. */
const BRANCHES = new Set(['anyOf', 'oneOf', 'not']);

/** JSON pointer segments (URI-encoded, as @cfworker/json-schema writes them), without the leading `#`. */
export const decodePointer = (pointer: string): string[] =>
  pointer
    .replace(/^#\/?/, '')
    .split('/')
    .filter(Boolean)
    .map((s) => decodeURIComponent(s).replace(/~1/g, '/').replace(/~0/g, '~'));

/** What a schema location holds, following the local `$ref`s the validator followed on its way there. */
function at(root: RJSFSchema, path: string[]): unknown {
  let node: unknown = root;
  for (const segment of path) {
    const here = node as Record<string, unknown> | undefined;
    if (segment === '$ref' && typeof here?.$ref === 'string' && here.$ref.startsWith('#'))
      node = at(root, decodePointer(here.$ref));
    else node = here?.[segment];
  }
  return node;
}

/** The failures worth showing: the innermost ones, and a branching keyword's own rather than its branches'. */
export function worthShowing(units: OutputUnit[], root: RJSFSchema): OutputUnit[] {
  const closed = (u: OutputUnit) => u.keyword === 'additionalProperties' && at(root, decodePointer(u.keywordLocation)) === false;
  return units.filter((u) => {
    if (units.some((o) => BRANCHES.has(o.keyword) && u.keywordLocation.startsWith(`${o.keywordLocation}/`))) return false;
    // A property that `additionalProperties: false` refuses fails as a `false` schema too, worded by its parent.
    if (u.keyword === 'false') return !units.some((o) => closed(o) && u.instanceLocation.startsWith(`${o.instanceLocation}/`));
    if (u.keyword === 'additionalProperties') return closed(u);
    return !CONTAINERS.has(u.keyword);
  });
}

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * A failure in words for the person filling the form, and the property it belongs to when it is
 * about a missing one (so that it shows beside that property's field, not its parent's).
 */
export function problemWords(unit: OutputUnit, root: RJSFSchema, value: unknown): { property?: string; message: string } {
  const limit = at(root, decodePointer(unit.keywordLocation)) as never;
  const quoted = /"([^"]*)"/.exec(unit.error)?.[1];
  switch (unit.keyword) {
    case 'required':
      return { property: quoted, message: 'is required' };
    case 'additionalProperties':
      return { message: `must not have "${quoted}"` };
    case 'type':
      return { message: value === null ? 'must have a value' : `must be ${[limit].flat().join(' or ')}` };
    case 'minLength':
      return { message: limit === 1 ? 'must not be empty' : `must have at least ${count(limit, 'character', 'characters')}` };
    case 'maxLength':
      return { message: `must have at most ${count(limit, 'character', 'characters')}` };
    case 'minItems':
      return { message: `must have at least ${count(limit, 'entry', 'entries')}` };
    case 'maxItems':
      return { message: `must have at most ${count(limit, 'entry', 'entries')}` };
    case 'minProperties':
      return { message: `must have at least ${count(limit, 'value', 'values')}` };
    case 'maxProperties':
      return { message: `must have at most ${count(limit, 'value', 'values')}` };
    case 'minimum':
      return { message: `must be ${String(limit)} or more` };
    case 'maximum':
      return { message: `must be ${String(limit)} or less` };
    case 'exclusiveMinimum':
      return { message: `must be more than ${String(limit)}` };
    case 'exclusiveMaximum':
      return { message: `must be less than ${String(limit)}` };
    case 'multipleOf':
      return { message: `must be a multiple of ${String(limit)}` };
    case 'pattern':
      return { message: `must match the pattern ${String(limit)}` };
    case 'format':
      return { message: `must be a valid ${String(limit)}` };
    case 'enum':
      return { message: `must be one of ${(limit as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'uniqueItems':
      return { message: 'must not have the same entry twice' };
    case 'false':
      return { message: 'is not allowed' };
    default:
      return { message: unit.error };
  }
}
