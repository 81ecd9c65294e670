import { quoteIdent } from '../db/index.js';
import { CHANNELS, CONTACT_FIELDS, normalizeEmail, STATUSES, WARMTHS } from '../entities/index.js';
import type { Field, ListShape } from './list-shape.js';

/**
 * The shell's contact as the API shows and takes it, in JSON Schema (draft 2020-12, as OpenAPI
 * 3.1 uses it). The spec is generated from these, requests are validated against them, and the
 * body readers (contact-body.ts) take their members from them.
 */
const text = (maxLength: number) => ({ type: 'string', maxLength });
const nullable = (schema: { type: string; enum?: string[] }) => ({
  ...schema,
  type: [schema.type, 'null'],
  ...(schema.enum && { enum: [...schema.enum, null] }),
});
const oneOf = (values: readonly string[]) => ({ type: 'string', enum: [...values] });
const time = { type: 'string', format: 'date-time' };
const uuid = { type: 'string', format: 'uuid' };

const CONSENT_STATUSES = ['granted', 'denied', 'withdrawn'];

/** A contact as every read answers it. */
export const CONTACT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: Object.keys(CONTACT_FIELDS),
  properties: {
    id: uuid,
    workspaceId: uuid,
    name: { type: 'string' },
    organization: nullable({ type: 'string' }),
    emails: { type: 'array', items: { type: 'string', format: 'email' } },
    phones: { type: 'array', items: { type: 'string', description: 'E.164 (+15551234567)' } },
    provenance: {
      type: 'array',
      description: 'Who captured the person, and when: one entry per capture that brought something new.',
      items: {
        type: 'object',
        required: ['module', 'at'],
        properties: { module: { type: 'string' }, channel: { type: 'string' }, ref: { type: 'string' }, at: time },
      },
    },
    qualificationStatus: oneOf(STATUSES),
    leadScore: { type: 'integer', minimum: 0, maximum: 100 },
    warmth: nullable(oneOf(WARMTHS)),
    consent: {
      type: 'object',
      description: "Per channel: the person's permission, who recorded it and when.",
      additionalProperties: {
        type: 'object',
        required: ['status', 'source', 'at'],
        properties: { status: oneOf(CONSENT_STATUSES), source: { type: 'string' }, at: time },
      },
    },
    preferredChannel: nullable(oneOf(CHANNELS)),
    metadata: { type: 'object', additionalProperties: { type: 'string' } },
    createdAt: time,
    updatedAt: time,
  },
} as const;

/** What an update may set: a contact's own fields; identities and consent come only with a capture. */
export const CONTACT_CHANGES_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    name: text(200),
    organization: nullable(text(200)),
    qualificationStatus: oneOf(STATUSES),
    leadScore: { type: 'integer', minimum: 0, maximum: 100 },
    warmth: nullable(oneOf(WARMTHS)),
  },
} as const;

/** A capture: the contact contract less its source, which the API sets; the shell's identity rules decide create or merge. */
export const CONTACT_INPUT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  description: 'At least one email or phone, by which the person is matched to a known contact.',
  properties: {
    name: text(200),
    organization: text(200),
    emails: { type: 'array', maxItems: 20, items: { type: 'string', maxLength: 320 } },
    phones: { type: 'array', maxItems: 20, items: { type: 'string', maxLength: 40 } },
    defaultCountry: {
      type: 'string',
      pattern: '^[A-Z]{2}$',
      description: 'ISO 3166 alpha-2, for phone numbers written without a country code.',
    },
    consent: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['status'],
        properties: { status: oneOf(CONSENT_STATUSES), source: text(200), at: time },
      },
    },
    qualificationStatus: oneOf(STATUSES),
    leadScore: { type: 'integer', minimum: 0, maximum: 100 },
    warmth: oneOf(WARMTHS),
    ref: { ...text(200), description: "The caller's own id of the person, kept in the contact's provenance." },
  },
} as const;

type Member = keyof typeof CONTACT_FIELDS;

/** The index-backed sorts of contacts: creation (workspace, created_at DESC, id) and status (workspace, qualification_status). */
const SORTABLE: Member[] = ['createdAt', 'qualificationStatus'];

/** Members holding an identity, compared as the shell writes them. */
const NORMALIZED: Partial<Record<Member, Field['normalize']>> = { emails: normalizeEmail };

/** A contact's members as a list's fields: their columns, types and filters, from the contact's schema. */
export const CONTACT_LIST: ListShape = {
  created: 'createdAt',
  fields: Object.fromEntries(
    (Object.keys(CONTACT_FIELDS) as Member[]).map((member): [string, Field] => {
      const schema = CONTACT_SCHEMA.properties[member] as Record<string, unknown>;
      const types = [schema.type].flat() as string[];
      const type: Field['type'] =
        schema.format === 'date-time' ? 'timestamp' : schema.format === 'uuid' ? 'uuid' : (types[0] as Field['type']);
      const items = (schema.items as { type?: string } | undefined)?.type;
      return [
        member,
        {
          column: quoteIdent(CONTACT_FIELDS[member]),
          type,
          ...(Array.isArray(schema.enum) && { enum: schema.enum.filter((v): v is string => typeof v === 'string') }),
          ...(items === 'string' && { items: 'string' as const }),
          nullable: types.includes('null'),
          sortable: SORTABLE.includes(member),
          schema,
          ...(NORMALIZED[member] && { normalize: NORMALIZED[member] }),
        },
      ];
    }),
  ),
};
