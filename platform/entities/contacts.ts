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

/** A capture's identities as `kind:value`. */
const keysOf = (d: Normalized): string[] => [...d.emails.map((v) => `email:${v}`), ...d.phones.map((v) => `phone:${v}`)];

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

  private async upsertNormalized(workspaceId: string, data: Normalized, lock = true): Promise<UpsertResult> {
    const identities = [
      ...data.emails.map((value) => ({ kind: 'email', value })),
      ...data.phones.map((value) => ({ kind: 'phone', value })),
    ];
    // One lock per identity, taken in a fixed order: concurrent captures of one person queue
    // here instead of both inserting, and two captures never wait on each other in a cycle.
    const keys = identities.map((i) => `${workspaceId}:${i.kind}:${i.value}`).sort();
    if (lock)
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
   * Upserts many captures in one transaction (demo data), with the same outcome as upserting them
   * one by one (see `captureEach`). A bad entry refuses the whole batch, naming its index, and
   * nothing is written.
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
    const results = await this.db.app(workspaceId, async () => {
      await this.requireWorkspace(workspaceId);
      return this.upsertBatch(workspaceId, batch, true);
    });
    const created = results.filter((r) => r.created).length;
    return { created, updated: batch.length - created };
  }

  /**
   * Each capture's outcome, in order, as if upserted one by one: a capture at fault is refused
   * alone (its error names the input), the others are written. Runs in the caller's unit when
   * there is one (an import writes its bookkeeping in the same transaction). `identityLocks:
   * false` is for a run that will be rolled back (a dry run): it holds no capture back, and does
   * not fill the lock table with a whole file's identities.
   */
  async captureEach(
    workspaceId: string,
    inputs: ContactInput[],
    options: { identityLocks?: boolean } = {},
  ): Promise<({ contactId: string; created: boolean; mergeCandidates: string[] } | { error: ValidationError })[]> {
    checkUuid(workspaceId, 'workspaceId');
    const checked = inputs.map((input) => {
      try {
        return normalize(input);
      } catch (err) {
        if (err instanceof ValidationError) return err;
        throw err;
      }
    });
    const batch = checked.filter((d): d is Normalized => !(d instanceof ValidationError));
    const results = await this.db.app(workspaceId, async () => {
      await this.requireWorkspace(workspaceId);
      return this.upsertBatch(workspaceId, batch, options.identityLocks ?? true);
    });
    let next = 0;
    return checked.map((d) => {
      if (d instanceof ValidationError) return { error: d };
      const { contact, created, mergeCandidates } = results[next++]!; // one result per valid capture
      return { contactId: contact.id, created, mergeCandidates };
    });
  }

  /**
   * A batch in few statements, with the outcome of upserting its captures one by one, wave by
   * wave (see `upsertWave`): a capture that shares an identity or a matched contact with an
   * earlier one of the batch goes in a later wave than it.
   */
  private async upsertBatch(workspaceId: string, batch: Normalized[], lock: boolean): Promise<UpsertResult[]> {
    const all = batch.flatMap(keysOf);
    if (lock)
      await this.db.exec('SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest($1::text[]) AS k ORDER BY k', [
        [...new Set(all)].map((k) => `${workspaceId}:${k}`).sort(),
      ]);
    // Waves: a capture comes after every earlier one it shares an identity or a contact with, so
    // within a wave none can change another's outcome, and a person's captures keep their order.
    const owners = await this.owners(workspaceId, all);
    const lastWave = new Map<string, number>();
    const waves: number[][] = [];
    for (const [i, d] of batch.entries()) {
      const tokens = keysOf(d).flatMap((k) => [k, ...(owners.has(k) ? [`contact:${owners.get(k)!}`] : [])]);
      const wave = Math.max(-1, ...tokens.map((t) => lastWave.get(t) ?? -1)) + 1;
      for (const t of tokens) lastWave.set(t, wave);
      (waves[wave] ??= []).push(i);
    }
    const results: UpsertResult[] = new Array<UpsertResult>(batch.length);
    for (const wave of waves) {
      const done = await this.upsertWave(
        workspaceId,
        wave.map((i) => batch[i]!),
      );
      wave.forEach((i, k) => (results[i] = done[k]!)); // one result per capture of the wave
    }
    return results;
  }

  /** Who holds each of these identities (`kind:value`) in the workspace. */
  private async owners(workspaceId: string, keys: string[]): Promise<Map<string, string>> {
    const claimed = await this.db.rows<{ key: string; contactId: string }>(
      `SELECT kind || ':' || value AS key, contact_id AS "contactId" FROM contact_identities
        WHERE workspace_id = $1 AND (kind, value) IN (SELECT * FROM unnest($2::text[], $3::text[]))`,
      [workspaceId, keys.map((k) => k.slice(0, k.indexOf(':'))), keys.map((k) => k.slice(k.indexOf(':') + 1))],
    );
    return new Map(claimed.map((c) => [c.key, c.contactId]));
  }

  /**
   * One wave of a batch (its identities locked). A capture no other capture of the wave can
   * change: when nobody holds its identities it is inserted with the other such (two
   * statements); when they point at one contact no other capture of the wave reaches, it
   * enriches that contact, in one statement with the other such. The rest (two contacts matched,
   * a phone match bringing a new email) go through `upsertNormalized`, in order.
   */
  private async upsertWave(workspaceId: string, batch: Normalized[]): Promise<UpsertResult[]> {
    const all = batch.flatMap(keysOf);
    const ownerOf = await this.owners(workspaceId, all);
    const inBatch = new Map<string, number>();
    for (const key of all) inBatch.set(key, (inBatch.get(key) ?? 0) + 1);

    type Way = { fresh: true } | { holder: string; emails: string[]; phones: string[] } | null;
    const ways: Way[] = batch.map((d) => {
      const keys = keysOf(d);
      if (keys.some((k) => inBatch.get(k)! > 1)) return null;
      const holders = new Set(keys.flatMap((k) => ownerOf.get(k) ?? []));
      if (holders.size === 0) return { fresh: true };
      const [holder] = holders;
      const unclaimed = (kind: string, values: string[]) => values.filter((v) => !ownerOf.has(`${kind}:${v}`));
      const [emails, phones] = [unclaimed('email', d.emails), unclaimed('phone', d.phones)];
      const byEmail = d.emails.some((v) => ownerOf.has(`email:${v}`));
      // Two contacts matched, or someone else at a known number: decided one by one.
      if (holders.size > 1 || (!byEmail && emails.length > 0)) return null;
      return { holder: holder!, emails, phones };
    });
    // A contact enriched together must be reached by that capture alone, or the order would show.
    const reached = new Map<string, number>();
    ways.forEach((way, i) => {
      const holders = way === null ? keysOf(batch[i]!).flatMap((k) => ownerOf.get(k) ?? []) : 'holder' in way ? [way.holder] : [];
      for (const h of new Set(holders)) reached.set(h, (reached.get(h) ?? 0) + 1);
    });
    const decided = ways.map((way) => (way && 'holder' in way && reached.get(way.holder)! > 1 ? null : way));

    const fresh = await this.insertFresh(
      workspaceId,
      batch.filter((_, i) => decided[i] && 'fresh' in decided[i]),
    );
    const merging = decided.flatMap((way, i) => (way && 'holder' in way ? [{ id: way.holder, data: batch[i]!, ...way }] : []));
    const enriched = new Map((await this.enrichMany(workspaceId, merging)).map((c) => [c.id, c]));
    const newIdentities = merging.flatMap((m) => [
      ...m.emails.map((value) => ['email', value, m.id]),
      ...m.phones.map((value) => ['phone', value, m.id]),
    ]);
    if (newIdentities.length > 0)
      await this.db.exec(
        `INSERT INTO contact_identities (workspace_id, kind, value, contact_id)
         SELECT $1, k, v, c FROM unnest($2::text[], $3::text[], $4::uuid[]) AS t(k, v, c)`,
        [workspaceId, newIdentities.map((i) => i[0]), newIdentities.map((i) => i[1]), newIdentities.map((i) => i[2])],
      );
    let nextFresh = 0;
    const results: UpsertResult[] = [];
    for (const [i, way] of decided.entries()) {
      if (way && 'fresh' in way)
        results.push({ contact: fresh[nextFresh++]!, created: true, mergeCandidates: [] }); // one contact per fresh capture
      else if (way) {
        const contact = enriched.get(way.holder);
        if (!contact) throw new NotFoundError('contact', way.holder);
        results.push({ contact, created: false, mergeCandidates: [] });
      } else results.push(await this.upsertNormalized(workspaceId, batch[i]!, false)); // its identities are locked above
    }
    return results;
  }

  /** Inserts contacts whose identities nobody holds yet, with their identities: the one way a contact is created. */
  private async insertFresh(workspaceId: string, batch: Normalized[]): Promise<Contact[]> {
    if (batch.length === 0) return [];
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
    // RETURNING promises no order: each contact goes back to the capture it was made from.
    const byId = new Map(contacts.map((c) => [c.id, c]));
    return rows.map((r) => byId.get(r.id)!); // every row was inserted
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
    const [row] = await this.enrichMany(workspaceId, [{ id, data, emails, phones }]);
    if (!row) throw new NotFoundError('contact', id);
    return row;
  }

  /**
   * Enriches each contact with its capture, in one statement: blanks filled, set values kept,
   * provenance appended, a withdrawn or denied consent never turned back into granted. Each
   * contact once; the contacts in `items`' order (a contact not found is left out).
   */
  private async enrichMany(
    workspaceId: string,
    items: { id: string; data: Normalized; emails: string[]; phones: string[] }[],
  ): Promise<Contact[]> {
    if (items.length === 0) return [];
    const rows = await this.db.rows<Contact>(
      `UPDATE contacts SET
         name = CASE WHEN name = '' THEN COALESCE(d.new_name, '') ELSE name END,
         organization = COALESCE(organization, d.new_organization),
         emails = emails || d.new_emails,
         phones = phones || d.new_phones,
         provenance = provenance || d.touch,
         consent = consent || COALESCE((
           SELECT jsonb_object_agg(k, v) FROM jsonb_each(d.new_consent) AS given(k, v)
            WHERE NOT (v->>'status' = 'granted' AND COALESCE(consent->k->>'status', '') IN ('withdrawn', 'denied'))), '{}'::jsonb),
         metadata = metadata || d.new_metadata,
         qualification_status = COALESCE(d.new_status, qualification_status),
         lead_score = COALESCE(d.new_score, lead_score),
         warmth = COALESCE(warmth, d.new_warmth)
       FROM jsonb_to_recordset($2::jsonb) AS d(target uuid, new_name text, new_organization text, new_emails text[],
            new_phones text[], touch jsonb, new_consent jsonb, new_metadata jsonb, new_status text, new_score integer, new_warmth text)
       WHERE workspace_id = $1 AND id = ANY($3::uuid[]) AND id = d.target
       RETURNING ${CONTACT_COLUMNS}`,
      [
        workspaceId,
        JSON.stringify(
          items.map(({ id, data, emails, phones }) => ({
            target: id,
            new_name: data.name ?? null,
            new_organization: data.organization ?? null,
            new_emails: emails,
            new_phones: phones,
            touch: [data.touch],
            new_consent: data.consent,
            new_metadata: data.metadata,
            new_status: data.qualificationStatus ?? null,
            new_score: data.leadScore ?? null,
            new_warmth: data.warmth ?? null,
          })),
        ),
        items.map((item) => item.id),
      ],
    );
    const byId = new Map(rows.map((c) => [c.id, c]));
    return items.flatMap((item) => byId.get(item.id) ?? []);
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
