import { PLINTH_VERSION } from '../config/index.js';
import type { RegistryRow } from '../registry/index.js';
import { CONTACT_CHANGES_SCHEMA, CONTACT_INPUT_SCHEMA, CONTACT_LIST, CONTACT_SCHEMA } from './contact-schemas.js';
import { DEFAULT_PAGE, MAX_PAGE } from './cursor.js';
import { EVENT_NAME_FILTER } from './events.js';
import { MAX_IN } from './list-query.js';
import { operatorsOf, type Field, type ListShape, type Operator } from './list-shape.js';
import { changeSchema, creatable, createSchema, moduleTableList, rowSchema, type Table } from './module-table-shape.js';

type Json = Record<string, unknown>;

/** What the document is generated from: the workspace and the modules enabled in it. */
export interface SpecSource {
  slug: string;
  name: string;
  modules: RegistryRow[];
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json) => ({ 'application/json': { schema } });
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });

/** The answers every endpoint may give besides its own. */
const FAULTS = {
  '400': problem('A parameter or the body is refused; `errors` names each one at fault.'),
  '401': problem('The token is missing, unknown, revoked or expired.'),
  '403': problem('The token lacks the scope this endpoint needs.'),
  '404': problem('No such workspace, row or endpoint for this token.'),
  '429': problem("The token's requests per minute are spent; `Retry-After` says when to come back."),
};

const PROBLEM = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { const: 'about:blank' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['detail'],
        properties: {
          name: { type: 'string', description: 'The query or path parameter at fault.' },
          pointer: { type: 'string', description: 'The body member at fault, as a JSON pointer.' },
          detail: { type: 'string' },
        },
      },
    },
  },
};

const EVENT = {
  type: 'object',
  required: ['id', 'name', 'schemaVersion', 'producer', 'workspaceId', 'contactId', 'actor', 'payload', 'occurredAt'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    schemaVersion: { type: 'integer' },
    producer: { type: 'string' },
    workspaceId: { type: ['string', 'null'], format: 'uuid' },
    contactId: { type: ['string', 'null'], format: 'uuid' },
    actor: { type: 'object', properties: { type: { type: 'string' }, id: { type: ['string', 'null'] } } },
    payload: { type: 'object' },
    idempotencyKey: { type: ['string', 'null'] },
    occurredAt: { type: 'string', format: 'date-time' },
  },
};

/** A query parameter; a list of values is written comma-separated (`stage.in=won,lost`). */
const query = (name: string, schema: Json, description: string) => ({
  name,
  in: 'query',
  required: false,
  description,
  schema,
  ...(schema.type === 'array' ? { style: 'form', explode: false } : { allowReserved: true }),
});

const PAGING = [
  query('limit', { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: DEFAULT_PAGE }, 'Rows per page.'),
  query('cursor', { type: 'string', maxLength: 2000 }, 'The `next` of the previous page, with the same sort.'),
];

/** The schema of one filter parameter's value, as the query string carries it. */
function filterValue(field: Field, operator: Operator): Json {
  if (operator === 'null') return { type: 'boolean' };
  if (operator === 'contains' || operator === 'has') return { type: 'string', maxLength: 1000 };
  const one: Json =
    field.type === 'timestamp'
      ? { type: 'string', format: 'date-time' }
      : field.type === 'date'
        ? { type: 'string', format: 'date' }
        : field.type === 'uuid'
          ? { type: 'string', format: 'uuid' }
          : field.enum
            ? { type: 'string', enum: [...field.enum] }
            : field.type === 'string'
              ? { type: 'string', maxLength: 1000 }
              : { type: field.type };
  return operator === 'in' ? { type: 'array', items: one, minItems: 1, maxItems: MAX_IN } : one;
}

const WORDS: Record<Operator, string> = {
  eq: 'equals',
  ne: 'differs from',
  in: 'is one of (comma-separated)',
  contains: 'contains, ignoring case',
  gt: 'is after / greater than',
  gte: 'is at or after / at least',
  lt: 'is before / less than',
  lte: 'is at or before / at most',
  has: 'holds the value',
  null: 'is empty (true) or set (false)',
};

/** A list's query parameters from its shape: paging (not for an export, which takes every row), sort, fields, and one parameter per field and operator. */
function listParameters(shape: ListShape, paged = true): Json[] {
  const names = Object.keys(shape.fields);
  const sortable = names.filter((name) => shape.fields[name]!.sortable);
  return [
    ...(paged ? PAGING : []),
    query(
      'sort',
      { type: 'string', enum: sortable.flatMap((name) => [name, `-${name}`]), default: `-${shape.created}` },
      'An indexed field; `-` first for descending.',
    ),
    query(
      'fields',
      { type: 'string', pattern: `^(${names.join('|')})(,(${names.join('|')}))*$` },
      'The fields each row carries (comma-separated); `id` always comes.',
    ),
    ...Object.entries(shape.fields).flatMap(([name, field]) =>
      operatorsOf(field).map((operator) =>
        query(`${name}.${operator}`, filterValue(field, operator), `Rows whose ${name} ${WORDS[operator]}.`),
      ),
    ),
  ];
}

const page = (item: Json) => ({
  type: 'object',
  required: ['data', 'next'],
  properties: { data: { type: 'array', items: item }, next: { type: ['string', 'null'] } },
});

/** A list's every matching row as CSV, streamed. */
const exportOf = (scope: string, tag: string, what: string, shape: ListShape) =>
  scoped(scope, {
    tags: [tag],
    summary: `Export ${what} as CSV`,
    description: 'Every row the filters select (no paging), in the sort asked for, with a header of the fields.',
    parameters: listParameters(shape, false),
    responses: { '200': { description: 'CSV, streamed.', content: { 'text/csv': { schema: { type: 'string' } } } }, ...FAULTS },
  });

const ID = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const IDEMPOTENCY = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'Sent again with the same body, the first answer is replayed and nothing is written again.',
  schema: { type: 'string', minLength: 1, maxLength: 200 },
};

const scoped = (scope: string, operation: Json) => ({ ...operation, 'x-plinth-scope': scope });

/** A module table's endpoints and row schema, named `<module>.<table>` among the components. */
function tablePaths(row: RegistryRow, table: Table): { paths: Json; schemas: Json } {
  const base = `/modules/${row.moduleId}/${table.name}`;
  const schemaName = `${row.moduleId}.${table.name}`;
  const scope = (access: string) => `${row.moduleId}:${table.name}:${access}`;
  const tag = row.manifest.name;
  const one = { '200': { description: 'The row.', content: json(ref(schemaName)) }, ...FAULTS };
  return {
    schemas: { [schemaName]: rowSchema(table) },
    paths: {
      [base]: {
        get: scoped(scope('read'), {
          tags: [tag],
          summary: `List ${table.label ?? table.name}`,
          parameters: listParameters(moduleTableList(table)),
          responses: { '200': { description: 'A page of rows.', content: json(page(ref(schemaName))) }, ...FAULTS },
        }),
        ...(creatable(table) && {
          post: scoped(scope('write'), {
            tags: [tag],
            summary: `Create a row of ${table.label ?? table.name}`,
            parameters: [IDEMPOTENCY],
            requestBody: { required: true, content: json(createSchema(table)) },
            responses: { '201': { description: 'The row made.', content: json(ref(schemaName)) }, ...FAULTS },
          }),
        }),
      },
      [`${base}/export`]: { get: exportOf(scope('read'), tag, table.label ?? table.name, moduleTableList(table)) },
      [`${base}/{id}`]: {
        parameters: [ID],
        get: scoped(scope('read'), { tags: [tag], summary: 'Read a row', responses: one }),
        patch: scoped(scope('write'), {
          tags: [tag],
          summary: 'Update a row',
          parameters: [IDEMPOTENCY],
          requestBody: { required: true, content: json(changeSchema(table)) },
          responses: one,
        }),
        delete: scoped(scope('write'), {
          tags: [tag],
          summary: 'Delete a row',
          parameters: [IDEMPOTENCY],
          responses: { '204': { description: 'Deleted.' }, ...FAULTS },
        }),
      },
    },
  };
}

/**
 * The workspace's API as OpenAPI 3.1: the shell's endpoints (contacts, events) from the shell's
 * schemas, and each enabled module's tables from its manifest. Nothing of it is written by hand:
 * a module enabled adds its paths, one disabled takes them away.
 */
export function openApiDocument(source: SpecSource): Json {
  const modules = source.modules.flatMap((row) => (row.manifest.tables ?? []).map((table) => tablePaths(row, table)));
  const contact = { '200': { description: 'The contact.', content: json(ref('Contact')) }, ...FAULTS };
  return {
    openapi: '3.1.0',
    info: {
      title: `${source.name}: Plinth workspace API`,
      version: PLINTH_VERSION,
      description:
        "Generated from the shell's schemas and the manifests of the modules enabled in this workspace. Each operation names the token scope it needs (`x-plinth-scope`).",
    },
    servers: [{ url: `/api/v1/${source.slug}` }],
    security: [{ token: [] }],
    tags: [{ name: 'Contacts' }, { name: 'Events' }, ...source.modules.map((row) => ({ name: row.manifest.name }))],
    paths: {
      '/contacts': {
        get: scoped('contacts:read', {
          tags: ['Contacts'],
          summary: 'List contacts',
          parameters: listParameters(CONTACT_LIST),
          responses: { '200': { description: 'A page of contacts.', content: json(page(ref('Contact'))) }, ...FAULTS },
        }),
        post: scoped('contacts:write', {
          tags: ['Contacts'],
          summary: 'Capture a contact (created, or merged into the one holding its email or phone)',
          parameters: [IDEMPOTENCY],
          requestBody: { required: true, content: json(ref('ContactInput')) },
          responses: {
            '201': { description: 'A new contact.', content: json(ref('Contact')) },
            '200': { description: 'The known contact, enriched.', content: json(ref('Contact')) },
            ...FAULTS,
          },
        }),
      },
      '/contacts/export': { get: exportOf('contacts:read', 'Contacts', 'contacts', CONTACT_LIST) },
      '/contacts/{id}': {
        parameters: [ID],
        get: scoped('contacts:read', { tags: ['Contacts'], summary: 'Read a contact', responses: contact }),
        patch: scoped('contacts:write', {
          tags: ['Contacts'],
          summary: "Set a contact's own fields",
          parameters: [IDEMPOTENCY],
          requestBody: { required: true, content: json(ref('ContactChanges')) },
          responses: contact,
        }),
      },
      '/events': {
        get: scoped('events:read', {
          tags: ['Events'],
          summary: 'Read the event log, newest first',
          parameters: [
            ...PAGING,
            query('name', { type: 'string', pattern: EVENT_NAME_FILTER.source }, 'One event name, or `<module>.*`.'),
            query('contact', { type: 'string', format: 'uuid' }, "One contact's events."),
          ],
          responses: { '200': { description: 'A page of events.', content: json(page(ref('Event'))) }, ...FAULTS },
        }),
      },
      '/openapi.json': {
        get: {
          summary: 'This document',
          responses: { '200': { description: 'OpenAPI 3.1', content: json({ type: 'object' }) }, ...FAULTS },
        },
      },
      ...(Object.assign({}, ...modules.map((m) => m.paths)) as Json),
    },
    components: {
      securitySchemes: { token: { type: 'http', scheme: 'bearer', description: 'plinth token create' } },
      schemas: {
        Problem: PROBLEM,
        Contact: CONTACT_SCHEMA,
        ContactInput: CONTACT_INPUT_SCHEMA,
        ContactChanges: CONTACT_CHANGES_SCHEMA,
        Event: EVENT,
        ...(Object.assign({}, ...modules.map((m) => m.schemas)) as Json),
      },
    },
  };
}
