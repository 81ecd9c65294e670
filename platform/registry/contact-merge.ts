import { quoteIdent, type Database } from '../db/index.js';
import { UUID, type Contact, type Entities } from '../entities/index.js';
import { NotFoundError, ValidationError } from '../errors/index.js';
import type { EventBus } from '../events/index.js';
import type { Actor } from './lifecycle-events.js';
import { moduleNames } from './names.js';
import type { Registry, RegistryRow } from './registry.js';

/** What the capture that paired two contacts gave that matched both (kept as JSON with the pair). */
export interface MergeReason {
  emails?: string[];
  phones?: string[];
}

/** An open merge candidate of a contact: the other contact and why the two were paired. */
export interface MergeCandidate {
  id: string;
  contact: Contact;
  reason: MergeReason;
}

/** What a merge did: the contact kept, the one removed, and where each module's rows and the timeline went. */
export interface MergeOutcome {
  survivor: Contact;
  mergedId: string;
  /** Rows of module tables that now point at the survivor, per module table and column. */
  moved: { module: string; table: string; column: string; rows: number }[];
  /** Rows a module keeps one of per contact, where the survivor already had one: kept in the merge event, then removed. */
  dropped: { module: string; table: string; row: Record<string, unknown> }[];
  events: number;
}

/** A column of a module table that holds a contact id (`x-plinth-references: contacts`), and the unique indexes it is part of. */
interface ContactColumn {
  module: RegistryRow;
  table: string;
  column: string;
  /** For each unique index holding the column, its other columns (the workspace is always one). */
  uniqueWith: string[][];
}

/** Statuses from worst to best: a merge keeps the better of the two. */
const STATUS_RANK = ['disqualified', 'new', 'engaged', 'qualified', 'customer'];
const WARMTH_RANK = ['cold', 'warm', 'hot'];
const SEARCH_LIMIT = 20;

/**
 * Merging two contacts of a workspace into one the admin chose (decision 0027). Everything runs
 * in one transaction as the application in that workspace, so row-level security keeps it
 * there; each module's rows are moved as that module's runtime role, the way the admin writes
 * them, so no role reaches a table it was not given.
 */
export class ContactMerge {
  constructor(
    private readonly db: Database,
    private readonly entities: Entities,
    private readonly registry: Registry,
    private readonly bus: EventBus,
  ) {}

  /** The open merge candidates of one contact, with the other contact of each. */
  async candidates(workspaceId: string, contactId: string): Promise<MergeCandidate[]> {
    const id = contactIdOf(contactId, 'id');
    await this.entities.contacts.get(workspaceId, id);
    const rows = await this.db.app(workspaceId, () =>
      this.db.rows<{ id: string; otherId: string; reason: MergeReason }>(
        `SELECT id, CASE WHEN contact_id = $2 THEN other_contact_id ELSE contact_id END AS "otherId", reason
           FROM contact_merge_candidates
          WHERE workspace_id = $1 AND status = 'open' AND (contact_id = $2 OR other_contact_id = $2)
          ORDER BY created_at`,
        [workspaceId, id],
      ),
    );
    const found: MergeCandidate[] = [];
    for (const row of rows)
      found.push({ id: row.id, reason: row.reason, contact: await this.entities.contacts.get(workspaceId, row.otherId) });
    return found;
  }

  /** Other contacts of the workspace whose name, organisation or email contains `text` (any case): what the admin may pick instead. */
  async search(workspaceId: string, contactId: string, text: string): Promise<Contact[]> {
    const id = contactIdOf(contactId, 'id');
    const words = text.trim();
    if (words.length < 2) throw new ValidationError('q', 'type at least 2 characters of a name or an email');
    if (words.length > 200) throw new ValidationError('q', 'at most 200 characters');
    const pattern = `%${words.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const ids = await this.db.app(workspaceId, () =>
      this.db.rows<{ id: string }>(
        `SELECT id FROM contacts c
          WHERE workspace_id = $1 AND id <> $2
            AND (name ILIKE $3 OR organization ILIKE $3 OR EXISTS (SELECT 1 FROM unnest(c.emails) AS e WHERE e ILIKE $3))
          ORDER BY name, id LIMIT ${SEARCH_LIMIT}`,
        [workspaceId, id, pattern],
      ),
    );
    return Promise.all(ids.map((row) => this.entities.contacts.get(workspaceId, row.id)));
  }

  /**
   * Merges `otherId` into `survivorId`: identities, consent, provenance and the better status
   * are combined on the survivor, every module's rows and the timeline follow it, the other
   * contact is removed with the candidate that paired them, and `plinth.contacts_merged` is
   * recorded. A bad pair is refused before anything is written.
   */
  async merge(workspaceId: string, survivorId: string, otherId: string, actor: Actor): Promise<MergeOutcome> {
    const keep = contactIdOf(survivorId, 'survivorId');
    const drop = contactIdOf(otherId, 'otherId');
    if (keep === drop) throw new ValidationError('otherId', 'a contact cannot be merged with itself: pick another contact');
    const columns = await this.contactColumns();
    return this.db.app(workspaceId, async () => {
      await this.lockIdentities(workspaceId, [keep, drop]);
      const locked = await this.db.rows<{ id: string }>(
        'SELECT id FROM contacts WHERE workspace_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR UPDATE',
        [workspaceId, [keep, drop]],
      );
      for (const [id, path] of [
        [keep, 'survivorId'],
        [drop, 'otherId'],
      ] as const)
        if (!locked.some((row) => row.id === id)) throw new NotFoundError(`contact (${path}) in this workspace`, id);
      const survivor = await this.entities.contacts.get(workspaceId, keep);
      const other = await this.entities.contacts.get(workspaceId, drop);

      const moved: MergeOutcome['moved'] = [];
      const dropped: MergeOutcome['dropped'] = [];
      for (const column of columns) {
        const result = await this.moveModuleRows(workspaceId, column, keep, drop);
        dropped.push(...result.dropped.map((row) => ({ module: column.module.moduleId, table: column.table, row })));
        if (result.moved > 0)
          moved.push({ module: column.module.moduleId, table: column.table, column: column.column, rows: result.moved });
      }
      const events = await this.db.rows(
        'UPDATE events SET contact_id = $2 WHERE workspace_id = $1 AND contact_id = $3 RETURNING 1',
        [workspaceId, keep, drop],
      );
      await this.db.exec('UPDATE contact_identities SET contact_id = $2 WHERE workspace_id = $1 AND contact_id = $3', [
        workspaceId,
        keep,
        drop,
      ]);
      const candidate = await this.moveCandidates(workspaceId, keep, drop);
      await this.db.exec('DELETE FROM contacts WHERE workspace_id = $1 AND id = $2', [workspaceId, drop]);
      await this.db.exec(
        `UPDATE contacts SET name = $3, organization = $4, emails = $5::text[], phones = $6::text[], provenance = $7::jsonb,
                consent = $8::jsonb, metadata = $9::jsonb, qualification_status = $10, lead_score = $11, warmth = $12,
                preferred_channel = $13, created_at = $14::timestamptz
          WHERE workspace_id = $1 AND id = $2`,
        [workspaceId, keep, ...combined(survivor, other)],
      );
      await this.bus.emit(
        { id: 'plinth' },
        workspaceId,
        'plinth.contacts_merged',
        {
          survivorId: keep,
          mergedId: drop,
          merged: { name: other.name, emails: other.emails, phones: other.phones },
          ...(candidate && { candidate }),
          moved,
          dropped,
          events: events.length,
        },
        { contactId: keep, actor },
      );
      return {
        survivor: await this.entities.contacts.get(workspaceId, keep),
        mergedId: drop,
        moved,
        dropped,
        events: events.length,
      };
    });
  }

  /** Every contact column of every installed module's tables, whether or not the module is enabled here: its rows stay when it is not. */
  private async contactColumns(): Promise<ContactColumn[]> {
    const installed = (await this.registry.rows()).filter((row) => row.status === 'installed');
    return installed.flatMap((module) =>
      (module.manifest.tables ?? []).flatMap((table) =>
        Object.entries(table.schema.properties)
          .filter(([, declared]) => declared['x-plinth-references'] === 'contacts')
          .map(([column]) => ({
            module,
            table: table.name,
            column,
            uniqueWith: (table.indexes ?? [])
              .filter((index) => index.unique && index.columns.includes(column))
              .map((index) => index.columns.filter((c) => c !== column)),
          })),
      ),
    );
  }

  /**
   * Points one module column's rows at the survivor, as the module's runtime role in this
   * workspace. Where the module keeps one row per contact (a unique index on the column) and
   * the survivor has its row, the other's is removed and returned, so the merge event keeps it.
   */
  private async moveModuleRows(
    workspaceId: string,
    { module, table, column, uniqueWith }: ContactColumn,
    keep: string,
    drop: string,
  ): Promise<{ moved: number; dropped: Record<string, unknown>[] }> {
    const names = moduleNames(module.moduleId, this.db.roles.prefix);
    const t = `${quoteIdent(names.schema)}.${quoteIdent(table)}`;
    const c = quoteIdent(column);
    return this.db.unit({ role: { name: names.runtimeRole }, workspaceId, schema: names.schema }, async () => {
      const dropped: Record<string, unknown>[] = [];
      for (const others of uniqueWith) {
        const same = others.map((o) => ` AND l.${quoteIdent(o)} = s.${quoteIdent(o)}`).join('');
        const rows = await this.db.rows<{ row: Record<string, unknown> }>(
          `DELETE FROM ${t} AS l USING ${t} AS s
            WHERE l.workspace_id = $1 AND s.workspace_id = $1 AND l.${c} = $3 AND s.${c} = $2${same}
           RETURNING to_jsonb(l) AS row`,
          [workspaceId, keep, drop],
        );
        dropped.push(...rows.map((r) => r.row));
      }
      const moved = await this.db.rows(`UPDATE ${t} SET ${c} = $2 WHERE workspace_id = $1 AND ${c} = $3 RETURNING 1`, [
        workspaceId,
        keep,
        drop,
      ]);
      return { moved: moved.length, dropped };
    });
  }

  /**
   * The candidate that paired the two, closed by the merge: its row goes with the removed
   * contact, its reason into the merge event. The other's open candidates with third contacts
   * become the survivor's.
   */
  private async moveCandidates(workspaceId: string, keep: string, drop: string): Promise<{ id: string; reason: object } | null> {
    const [pair] = await this.db.rows<{ id: string; reason: object }>(
      `SELECT id, reason FROM contact_merge_candidates
        WHERE workspace_id = $1 AND contact_id = LEAST($2::uuid, $3::uuid) AND other_contact_id = GREATEST($2::uuid, $3::uuid)`,
      [workspaceId, keep, drop],
    );
    await this.db.exec(
      `INSERT INTO contact_merge_candidates (workspace_id, contact_id, other_contact_id, reason)
       SELECT $1, LEAST($2::uuid, third), GREATEST($2::uuid, third), reason
         FROM (SELECT CASE WHEN contact_id = $3 THEN other_contact_id ELSE contact_id END AS third, reason
                 FROM contact_merge_candidates
                WHERE workspace_id = $1 AND status = 'open' AND (contact_id = $3 OR other_contact_id = $3)) AS theirs
        WHERE third <> $2
       ON CONFLICT (workspace_id, contact_id, other_contact_id) DO NOTHING`,
      [workspaceId, keep, drop],
    );
    return pair ?? null;
  }

  /** The same locks a capture takes on each identity (decision 0003): no capture enriches either contact while they merge. */
  private async lockIdentities(workspaceId: string, contacts: string[]): Promise<void> {
    await this.db.exec(
      `SELECT pg_advisory_xact_lock(hashtextextended(k, 0))
         FROM (SELECT $1::text || ':' || kind || ':' || value AS k FROM contact_identities
                WHERE workspace_id = $1::uuid AND contact_id = ANY($2::uuid[])) AS keys
        ORDER BY k`,
      [workspaceId, contacts],
    );
  }
}

function contactIdOf(raw: unknown, path: string): string {
  if (typeof raw !== 'string' || !UUID.test(raw)) throw new ValidationError(path, `"${String(raw)}" is not a contact id`);
  return raw.toLowerCase();
}

const better = (rank: string[], a: string | null, b: string | null): string | null =>
  rank.indexOf(b ?? '') > rank.indexOf(a ?? '') ? b : a;

/**
 * A consent per channel: a refusal (withdrawn, denied) wins over a grant, since only the person
 * may turn it back; between two of a kind, the newer.
 */
function combinedConsent(kept: Contact['consent'], other: Contact['consent']): Contact['consent'] {
  const refused = (given: { status: string }) => given.status !== 'granted';
  const result: Contact['consent'] = {};
  for (const channel of new Set([...Object.keys(kept), ...Object.keys(other)])) {
    const [a, b] = [kept[channel], other[channel]];
    if (!a || !b)
      result[channel] = (a ?? b)!; // the channel is a key of one of them
    else if (refused(a) !== refused(b)) result[channel] = refused(a) ? a : b;
    else result[channel] = a.at >= b.at ? a : b;
  }
  return result;
}

/** The survivor's columns after the merge, in the order the UPDATE binds them from $3. */
function combined(kept: Contact, other: Contact): unknown[] {
  const union = (a: string[], b: string[]) => [...new Set([...a, ...b])];
  const provenance = [...kept.provenance, ...other.provenance].sort((a, b) => a.at.localeCompare(b.at));
  return [
    kept.name || other.name,
    kept.organization ?? other.organization,
    union(kept.emails, other.emails),
    union(kept.phones, other.phones),
    JSON.stringify(provenance),
    JSON.stringify(combinedConsent(kept.consent, other.consent)),
    JSON.stringify({ ...other.metadata, ...kept.metadata }),
    better(STATUS_RANK, kept.qualificationStatus, other.qualificationStatus),
    Math.max(kept.leadScore, other.leadScore),
    better(WARMTH_RANK, kept.warmth, other.warmth),
    kept.preferredChannel ?? other.preferredChannel,
    new Date(Math.min(new Date(kept.createdAt).getTime(), new Date(other.createdAt).getTime())).toISOString(),
  ];
}
