import { randomUUID } from 'node:crypto';
import type { Database } from '../db/index.js';
import { NotFoundError, ValidationError } from '../errors/index.js';
import { STATUSES, WARMTHS, type QualificationStatus } from './contact-values.js';
import { checkText, checkUuid, normalizeEmail, normalizePhone } from './normalize.js';

export type { QualificationStatus };
type Warmth = (typeof WARMTHS)[number];
const CONSENT_STATUSES = ['granted', 'denied', 'withdrawn'] as const;
const MODULE_ID = /^[a-z][a-z0-9-]{1,30}$/;
const CHANNEL = /^[a-z][a-z0-9_-]{0,39}$/;

/** Where a capture came from: the module and its channel, and the module's own reference. */
export interface ContactSource {
  module: string;
  channel?: string;
  ref?: string;
}

export interface ConsentInput {
  status: (typeof CONSENT_STATUSES)[number];
  /** Defaults to the upsert's source module. */
  source?: string;
  at?: string;
}

export interface ContactInput {
  name?: string;
  organization?: string;
  emails?: string[];
  phones?: string[];
  /** Applied to phone numbers written without a country code (ISO 3166 alpha-2). */
  defaultCountry?: string;
  source: ContactSource;
  /**
   * Per channel (email, sms, phone, …). A capture never turns a withdrawn or denied consent back
   * into granted: anyone can type a person's email into a form, so only that person's confirmed
   * action may (not built yet).
   */
  consent?: Record<string, ConsentInput>;
  /** This module's opaque pointer to its own record of the person. */
  ref?: string;
  qualificationStatus?: QualificationStatus;
  leadScore?: number;
  warmth?: Warmth;
}

export interface Contact {
  id: string;
  workspaceId: string;
  name: string;
  organization: string | null;
  emails: string[];
  phones: string[];
  provenance: { module: string; channel?: string; ref?: string; at: string }[];
  qualificationStatus: QualificationStatus;
  leadScore: number;
  warmth: Warmth | null;
  consent: Record<string, { status: string; source: string; at: string }>;
  preferredChannel: string | null;
  metadata: Record<string, string>;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * What may be set on a known contact outright. Emails and phones are not among them: they are
 * identities, which only a capture (`upsert`) adds, by the rules that keep one person one contact.
 */
export interface ContactChanges {
  name?: string;
  organization?: string | null;
  qualificationStatus?: QualificationStatus;
  leadScore?: number;
  warmth?: Warmth | null;
}

export interface UpsertResult {
  contact: Contact;
  created: boolean;
  /** Other contacts this capture also matched: recorded as merge candidates, never merged. */
  mergeCandidates: string[];
}

interface Normalized {
  name?: string;
  organization?: string;
  emails: string[];
  phones: string[];
  touch: { module: string; channel?: string; ref?: string; at: string };
  consent: Record<string, { status: string; source: string; at: string }>;
  metadata: Record<string, string>;
  qualificationStatus?: QualificationStatus;
  leadScore?: number;
  warmth?: Warmth;
}

/** A contact row as `Contact` names its fields: every read of contacts selects these. */
/** A contact's members and the columns holding them: the one mapping every reader of contacts uses. */
export const CONTACT_FIELDS = {
  id: 'id',
  workspaceId: 'workspace_id',
  name: 'name',
  organization: 'organization',
  emails: 'emails',
  phones: 'phones',
  provenance: 'provenance',
  qualificationStatus: 'qualification_status',
  leadScore: 'lead_score',
  warmth: 'warmth',
  consent: 'consent',
  preferredChannel: 'preferred_channel',
  metadata: 'metadata',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
} as const satisfies Record<keyof Contact, string>;

export const CONTACT_COLUMNS = Object.entries(CONTACT_FIELDS)
  .map(([member, column]) => (member === column ? column : `${column} AS "${member}"`))
  .join(', ');

/** A contact's standing as a lead, where given: the values the table's checks allow. */
function checkQualification(input: Pick<ContactInput, 'qualificationStatus' | 'leadScore' | 'warmth'>): void {
  if (input.qualificationStatus !== undefined && !STATUSES.includes(input.qualificationStatus)) {
    throw new ValidationError('qualificationStatus', `"${input.qualificationStatus}" is not one of ${STATUSES.join(', ')}`);
  }
  if (input.leadScore !== undefined && !(Number.isInteger(input.leadScore) && input.leadScore >= 0 && input.leadScore <= 100)) {
    throw new ValidationError('leadScore', `${input.leadScore} is not an integer from 0 to 100`);
  }
  if (input.warmth !== undefined && !WARMTHS.includes(input.warmth)) {
    throw new ValidationError('warmth', `"${input.warmth}" is not one of ${WARMTHS.join(', ')}`);
  }
}

function normalize(input: ContactInput): Normalized {
  if (!input || typeof input !== 'object') throw new ValidationError('contact', 'must be an object');
  const source = input.source;
  if (!source || typeof source.module !== 'string' || !MODULE_ID.test(source.module)) {
    throw new ValidationError('source.module', `"${String(source?.module)}" is not a module id`);
  }
  if (source.channel !== undefined && !CHANNEL.test(source.channel)) {
    throw new ValidationError('source.channel', `"${source.channel}" is not a channel name`);
  }
  const ref = checkText(source.ref, 'source.ref', 200, false);
  const list = (value: unknown, path: string): unknown[] => {
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw new ValidationError(path, 'must be a list');
    if (value.length > 20) throw new ValidationError(path, 'at most 20 entries');
    return value;
  };
  const emails = [...new Set(list(input.emails, 'emails').map((e, i) => normalizeEmail(e, `emails[${i}]`)))];
  const phones = [
    ...new Set(list(input.phones, 'phones').map((p, i) => normalizePhone(p, `phones[${i}]`, input.defaultCountry))),
  ];
  if (emails.length + phones.length === 0) {
    throw new ValidationError('emails', 'a contact needs at least one email or phone to be matched by');
  }
  checkQualification(input);
  const at = new Date().toISOString();
  const consent: Normalized['consent'] = {};
  for (const [channel, given] of Object.entries(input.consent ?? {})) {
    const path = `consent.${channel}`;
    if (!CHANNEL.test(channel)) throw new ValidationError(path, `"${channel}" is not a channel name`);
    if (!given || !CONSENT_STATUSES.includes(given.status)) {
      throw new ValidationError(`${path}.status`, `must be one of ${CONSENT_STATUSES.join(', ')}`);
    }
    const when = given.at === undefined ? at : new Date(given.at);
    if (typeof when !== 'string' && Number.isNaN(when.getTime()))
      throw new ValidationError(`${path}.at`, `"${given.at}" is not a time`);
    consent[channel] = {
      status: given.status,
      source: checkText(given.source ?? source.module, `${path}.source`, 200) as string,
      at: typeof when === 'string' ? when : when.toISOString(),
    };
  }
  return {
    name: checkText(input.name, 'name', 200, false) || undefined,
    organization: checkText(input.organization, 'organization', 200, false) || undefined,
    emails,
    phones,
    touch: { module: source.module, ...(source.channel && { channel: source.channel }), ...(ref && { ref }), at },
    consent,
    metadata: ref ? { [source.module]: ref } : {},
    qualificationStatus: input.qualificationStatus,
    leadScore: input.leadScore,
    warmth: input.warmth,
  };
}

/**
 * The shared person record. Captures converge by identity: the same normalized email or
 * phone in a workspace is the same contact, however many modules capture it concurrently.
 */
export class Contacts {
  constructor(private readonly db: Database) {}

  async get(workspaceId: string, id: string): Promise<Contact> {
    const [row] = await this.db.app(workspaceId, () =>
      this.db.rows<Contact>(`SELECT ${CONTACT_COLUMNS} FROM contacts WHERE workspace_id = $1 AND id = $2`, [
        workspaceId,
        checkUuid(id, 'id'),
      ]),
    );
    if (!row) throw new NotFoundError('contact', id);
    return row;
  }

  /** Sets what `changes` gives on one contact of the workspace, leaving the rest; its identities are untouched. */
  async update(workspaceId: string, id: string, changes: ContactChanges): Promise<Contact> {
    checkUuid(workspaceId, 'workspaceId');
    const contactId = checkUuid(id, 'id');
    if (!changes || typeof changes !== 'object') throw new ValidationError('contact', 'must be an object');
    checkQualification({ ...changes, warmth: changes.warmth ?? undefined });
    const set: Record<string, unknown> = {};
    if (changes.name !== undefined) set.name = checkText(changes.name ?? '', 'name', 200, false);
    if (changes.organization !== undefined)
      set.organization = checkText(changes.organization, 'organization', 200, false) || null;
    if (changes.qualificationStatus !== undefined) set.qualification_status = changes.qualificationStatus;
    if (changes.leadScore !== undefined) set.lead_score = changes.leadScore;
    if (changes.warmth !== undefined) set.warmth = changes.warmth;
    const columns = Object.keys(set);
    if (columns.length === 0) throw new ValidationError('contact', 'names nothing to change');
    const [row] = await this.db.app(workspaceId, () =>
      this.db.rows<Contact>(
        `UPDATE contacts SET ${columns.map((c, i) => `${c} = $${i + 3}`).join(', ')}
          WHERE workspace_id = $1 AND id = $2 RETURNING ${CONTACT_COLUMNS}`,
        [workspaceId, contactId, ...columns.map((c) => set[c])],
      ),
    );
    if (!row) throw new NotFoundError('contact', id);
    return row;
  }

  /** The contact that holds this email or phone in the workspace, or null. */
  async findByIdentity(workspaceId: string, kind: 'email' | 'phone', raw: string): Promise<Contact | null> {
    const value = kind === 'email' ? normalizeEmail(raw, 'email') : normalizePhone(raw, 'phone');
    const [row] = await this.db.app(workspaceId, () =>
      this.db.rows<Contact>(
        `SELECT ${CONTACT_COLUMNS} FROM contacts WHERE id =
           (SELECT contact_id FROM contact_identities WHERE workspace_id = $1 AND kind = $2 AND value = $3)`,
        [workspaceId, kind, value],
      ),
    );
    return row ?? null;
  }

  /**
   * Creates the contact or enriches the one its emails and phones identify. Provenance is
   * appended, never overwritten; blanks are filled, set values are kept. When the identities
   * point at two contacts, the first (emails before phones) is enriched and the pair is
   * recorded as a merge candidate: nothing is merged silently. A capture found by phone alone
   * that brings a new email and another name (or, without names to compare, an email beside the
   * contact's own) is someone else: a new contact, recorded as a merge candidate of the first.
   */
  async upsert(workspaceId: string, input: ContactInput): Promise<UpsertResult> {
    checkUuid(workspaceId, 'workspaceId');
    const data = normalize(input);
    return this.db.app(workspaceId, async () => {
      await this.requireWorkspace(workspaceId);
      return this.upsertNormalized(workspaceId, data);
    });
  }

  private async upsertNormalized(workspaceId: string, data: Normalized): Promise<UpsertResult> {
    const identities = [
      ...data.emails.map((value) => ({ kind: 'email', value })),
      ...data.phones.map((value) => ({ kind: 'phone', value })),
    ];
    // One lock per identity, taken in a fixed order: concurrent captures of one person queue
    // here instead of both inserting, and two captures never wait on each other in a cycle.
    const keys = identities.map((i) => `${workspaceId}:${i.kind}:${i.value}`).sort();
    await this.db.exec('SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest($1::text[]) AS k ORDER BY k', [keys]);
    const owners = await this.db.rows<{ kind: string; value: string; contactId: string }>(
      `SELECT kind, value, contact_id AS "contactId" FROM contact_identities
          WHERE workspace_id = $1 AND (kind, value) IN (SELECT * FROM unnest($2::text[], $3::text[]))`,
      [workspaceId, identities.map((i) => i.kind), identities.map((i) => i.value)],
    );
    const ownerOf = new Map(owners.map((o) => [`${o.kind}:${o.value}`, o.contactId]));
    const matched = [...new Set(identities.map((i) => ownerOf.get(`${i.kind}:${i.value}`)).filter((id): id is string => !!id))];
    const unclaimed = identities.filter((i) => !ownerOf.has(`${i.kind}:${i.value}`));
    const newEmails = unclaimed.filter((i) => i.kind === 'email').map((i) => i.value);
    const newPhones = unclaimed.filter((i) => i.kind === 'phone').map((i) => i.value);

    const [holder] = matched;
    if (!holder) {
      const [contact] = await this.insertFresh(workspaceId, [data]);
      return { contact: contact!, created: true, mergeCandidates: [] }; // one contact in, one out
    }
    const byEmail = owners.some((o) => o.kind === 'email');
    if (!byEmail && newEmails.length > 0 && !(await this.samePerson(workspaceId, holder, data))) {
      // Someone else at a known number (a household, an office line): a contact of their own,
      // found later by their email; the number stays with the contact that holds it (decision 0027).
      const [fresh] = await this.insertFresh(workspaceId, [{ ...data, phones: newPhones }]);
      const contact = fresh!; // one contact in, one out
      for (const other of matched) await this.recordMergeCandidate(workspaceId, contact.id, other, data);
      return { contact, created: true, mergeCandidates: matched };
    }
    const contact = await this.enrich(workspaceId, holder, data, newEmails, newPhones);
    if (unclaimed.length > 0) {
      await this.db.exec(
        `INSERT INTO contact_identities (workspace_id, kind, value, contact_id)
           SELECT $1, k, v, $4 FROM unnest($2::text[], $3::text[]) AS t(k, v)`,
        [workspaceId, unclaimed.map((i) => i.kind), unclaimed.map((i) => i.value), contact.id],
      );
    }
    const others = matched.slice(1);
    for (const other of others) await this.recordMergeCandidate(workspaceId, contact.id, other, data);
    return { contact, created: false, mergeCandidates: others };
  }

  /**
   * Upserts many captures in one transaction (imports, demo data), with the same outcome as
   * upserting them one by one: those whose identities are new to the workspace and to the
   * batch are inserted in two statements, the rest go through `upsert`. A bad entry refuses
   * the whole batch, naming its index, and nothing is written.
   */
  async importMany(workspaceId: string, inputs: ContactInput[]): Promise<{ created: number; updated: number }> {
    checkUuid(workspaceId, 'workspaceId');
    const batch = inputs.map((input, index) => {
      try {
        return normalize(input);
      } catch (err) {
        if (err instanceof ValidationError)
          throw new ValidationError(`[${index}].${err.path}`, err.message.slice(err.path!.length + 2));
        throw err;
      }
    });
    return this.db.app(workspaceId, async () => {
      await this.requireWorkspace(workspaceId);
      const keysOf = (d: Normalized): string[] => [...d.emails.map((v) => `email:${v}`), ...d.phones.map((v) => `phone:${v}`)];
      const all = batch.flatMap(keysOf);
      await this.db.exec('SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest($1::text[]) AS k ORDER BY k', [
        [...new Set(all)].map((k) => `${workspaceId}:${k}`).sort(),
      ]);
      const claimed = await this.db.rows<{ key: string }>(
        `SELECT kind || ':' || value AS key FROM contact_identities
          WHERE workspace_id = $1 AND kind || ':' || value = ANY($2::text[])`,
        [workspaceId, all],
      );
      const seen = new Map<string, number>();
      for (const key of all) seen.set(key, (seen.get(key) ?? 0) + 1);
      for (const { key } of claimed) seen.set(key, 2);
      const fresh = batch.filter((d) => keysOf(d).every((k) => seen.get(k) === 1));
      const rest = batch.filter((d) => !fresh.includes(d));
      if (fresh.length > 0) await this.insertFresh(workspaceId, fresh);
      let created = fresh.length;
      for (const d of rest) if ((await this.upsertNormalized(workspaceId, d)).created) created++;
      return { created, updated: batch.length - created };
    });
  }

  /** Inserts contacts whose identities nobody holds yet, with their identities: the one way a contact is created. */
  private async insertFresh(workspaceId: string, batch: Normalized[]): Promise<Contact[]> {
    const rows = batch.map((d) => ({
      id: randomUUID(),
      name: d.name ?? '',
      organization: d.organization ?? null,
      emails: d.emails,
      phones: d.phones,
      provenance: [d.touch],
      consent: d.consent,
      metadata: d.metadata,
      qualification_status: d.qualificationStatus ?? 'new',
      lead_score: d.leadScore ?? 0,
      warmth: d.warmth ?? null,
    }));
    const contacts = await this.db.rows<Contact>(
      `INSERT INTO contacts (id, workspace_id, name, organization, emails, phones, provenance, consent, metadata,
                             qualification_status, lead_score, warmth)
       SELECT id, $1, name, organization, emails, phones, provenance, consent, metadata, qualification_status, lead_score, warmth
         FROM jsonb_to_recordset($2::jsonb) AS r(id uuid, name text, organization text, emails text[], phones text[],
              provenance jsonb, consent jsonb, metadata jsonb, qualification_status text, lead_score integer, warmth text)
       RETURNING ${CONTACT_COLUMNS}`,
      [workspaceId, JSON.stringify(rows)],
    );
    const identities = rows.flatMap((r) => [
      ...r.emails.map((value) => ['email', value, r.id]),
      ...r.phones.map((value) => ['phone', value, r.id]),
    ]);
    await this.db.exec(
      `INSERT INTO contact_identities (workspace_id, kind, value, contact_id)
       SELECT $1, k, v, c FROM unnest($2::text[], $3::text[], $4::uuid[]) AS t(k, v, c)`,
      [workspaceId, identities.map((i) => i[0]), identities.map((i) => i[1]), identities.map((i) => i[2])],
    );
    return contacts;
  }

  /**
   * Whether a capture that matched a contact by phone alone, bringing an email of its own, is that
   * contact: by name when both have one, otherwise only when the contact has no email the new
   * one would contradict.
   */
  private async samePerson(workspaceId: string, id: string, data: Normalized): Promise<boolean> {
    const [known] = await this.db.rows<{ name: string; emails: string[] }>(
      'SELECT name, emails FROM contacts WHERE workspace_id = $1 AND id = $2',
      [workspaceId, id],
    );
    if (!known) throw new NotFoundError('contact', id);
    const plain = (name: string) => name.replace(/\s+/g, ' ').trim();
    if (data.name && known.name)
      return plain(data.name).localeCompare(plain(known.name), undefined, { sensitivity: 'base' }) === 0;
    return known.emails.length === 0;
  }

  private async requireWorkspace(workspaceId: string): Promise<void> {
    const [found] = await this.db.rows('SELECT 1 FROM workspaces WHERE id = $1', [workspaceId]);
    if (!found) throw new NotFoundError('workspace', workspaceId);
  }

  private async enrich(workspaceId: string, id: string, data: Normalized, emails: string[], phones: string[]): Promise<Contact> {
    const [row] = await this.db.rows<Contact>(
      `UPDATE contacts SET
         name = CASE WHEN name = '' THEN COALESCE($3, '') ELSE name END,
         organization = COALESCE(organization, $4),
         emails = emails || $5::text[],
         phones = phones || $6::text[],
         provenance = provenance || $7::jsonb,
         consent = consent || COALESCE((
           SELECT jsonb_object_agg(k, v) FROM jsonb_each($8::jsonb) AS given(k, v)
            WHERE NOT (v->>'status' = 'granted' AND COALESCE(consent->k->>'status', '') IN ('withdrawn', 'denied'))), '{}'::jsonb),
         metadata = metadata || $9::jsonb,
         qualification_status = COALESCE($10, qualification_status),
         lead_score = COALESCE($11, lead_score),
         warmth = COALESCE(warmth, $12)
       WHERE workspace_id = $1 AND id = $2
       RETURNING ${CONTACT_COLUMNS}`,
      [
        workspaceId,
        id,
        data.name ?? null,
        data.organization ?? null,
        emails,
        phones,
        JSON.stringify([data.touch]),
        JSON.stringify(data.consent),
        JSON.stringify(data.metadata),
        data.qualificationStatus ?? null,
        data.leadScore ?? null,
        data.warmth ?? null,
      ],
    );
    if (!row) throw new NotFoundError('contact', id);
    return row;
  }

  private async recordMergeCandidate(workspaceId: string, a: string, b: string, data: Normalized): Promise<void> {
    const [first, second] = a < b ? [a, b] : [b, a];
    await this.db.exec(
      `INSERT INTO contact_merge_candidates (workspace_id, contact_id, other_contact_id, reason)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (workspace_id, contact_id, other_contact_id) DO NOTHING`,
      [workspaceId, first, second, JSON.stringify({ emails: data.emails, phones: data.phones, source: data.touch })],
    );
  }

  async mergeCandidates(workspaceId: string): Promise<{ contactId: string; otherContactId: string; reason: object }[]> {
    return this.db.app(workspaceId, () =>
      this.db.rows(
        `SELECT contact_id AS "contactId", other_contact_id AS "otherContactId", reason
           FROM contact_merge_candidates WHERE workspace_id = $1 AND status = 'open' ORDER BY created_at`,
        [workspaceId],
      ),
    );
  }

  async count(workspaceId: string): Promise<number> {
    const [row] = await this.db.app(workspaceId, () =>
      this.db.rows<{ n: string }>('SELECT count(*) AS n FROM contacts WHERE workspace_id = $1', [workspaceId]),
    );
    return Number(row!.n); // count(*) answers one row
  }
}
