import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Database } from '../db/index.js';
import { NotFoundError } from '../errors/index.js';
import { describeErrors, SHELL_EVENT_SCHEMAS, VendorSchemas, type PluginManifest } from '../manifests/index.js';
import { log } from '../log/index.js';
import { EventError } from './errors.js';

/** The channel on which committed events are announced to dispatchers of other processes. */
export const EVENTS_CHANNEL = 'plinth_events';

/** Who produced an event: the shell (`plinth`) or a module version. */
export interface Producer {
  id: string;
  /** The producing module's manifest and registry row; absent for the shell. */
  manifest?: PluginManifest;
  registryId?: string;
}

export interface Actor {
  type: 'user' | 'module' | 'system';
  id?: string | null;
}

export interface EmitOptions {
  contactId?: string | null;
  idempotencyKey?: string;
  actor?: Actor;
}

/** An event as the log keeps it and as subscribers receive it. */
export interface StoredEvent {
  id: string;
  name: string;
  schemaVersion: number;
  producer: string;
  workspaceId: string | null;
  contactId: string | null;
  actor: { type: Actor['type']; id: string | null };
  payload: Record<string, unknown>;
  idempotencyKey: string | null;
  occurredAt: Date;
  subscribers: string[];
}

/** The columns of a StoredEvent, from the events table under alias `e`. */
export const EVENT_COLUMNS = `e.id, e.name, e.schema_version AS "schemaVersion", e.producer, e.workspace_id AS "workspaceId",
  e.contact_id AS "contactId", json_build_object('type', e.actor_type, 'id', e.actor_id) AS actor, e.payload,
  e.idempotency_key AS "idempotencyKey", e.occurred_at AS "occurredAt", e.subscribers`;

const SHELL_PRODUCER = 'plinth';

/**
 * The subscribers of event `name` in workspace `workspace` (SQL expressions): the modules enabled
 * there that subscribe to it, and its active webhooks that take the name or its producer's
 * `<module>.*` (decision 0035), as `webhook:<id>`.
 */
const SUBSCRIBERS = (workspace: string, name: string): string => `
  SELECT mi.module_id AS subscriber FROM module_installations mi JOIN module_registry reg ON reg.id = mi.registry_id
   WHERE mi.workspace_id = ${workspace} AND mi.enabled
     AND reg.manifest->'events'->'subscribes' @> jsonb_build_array(jsonb_build_object('event', ${name}::text))
  UNION ALL
  SELECT 'webhook:' || w.id FROM webhooks w
   WHERE w.workspace_id = ${workspace} AND w.active AND w.events && ARRAY[${name}::text, split_part(${name}, '.', 1) || '.*']`;

/**
 * Emits events into the shared log. An event is written in the caller's transaction (the
 * outbox: if the caller rolls back, no event exists) with its subscriber set — the modules
 * subscribed to it and enabled in that workspace, and the webhooks taking it, at that moment.
 * Listeners (dispatchers) are told after the commit, never from inside it.
 */
export class EventBus {
  private readonly schemas = new Map<string, VendorSchemas>();
  private readonly listeners = new Set<() => void>();
  private notifier: pg.Client | null = null;
  private notifyPending = false;

  /**
   * With `notifyUrl` (a server database), commits are also announced to other processes: one
   * NOTIFY per burst of commits, sent afterwards on a connection of its own — never inside the
   * business transaction, where NOTIFY takes a global lock at commit.
   */
  constructor(
    private readonly db: Database,
    private readonly options: { notifyUrl?: string } = {},
  ) {}

  private committed(): void {
    this.listeners.forEach((l) => l());
    if (!this.options.notifyUrl || this.notifyPending) return;
    this.notifyPending = true;
    setImmediate(() => {
      this.notifyPending = false;
      this.notifyOthers().catch((err: Error) => {
        log.warn({ err: err.message }, 'could not notify other processes; they will poll');
        this.notifier = null;
      });
    });
  }

  private async notifyOthers(): Promise<void> {
    if (!this.notifier) {
      const client = new pg.Client({ connectionString: this.options.notifyUrl });
      client.on('error', () => (this.notifier = null));
      await client.connect();
      this.notifier = client;
    }
    await this.notifier.query(`NOTIFY ${EVENTS_CHANNEL}`);
  }

  async close(): Promise<void> {
    const client = this.notifier;
    this.notifier = null;
    await client?.end().catch(() => {});
  }

  /** Called after every commit that wrote events. */
  onCommit(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private payloadSchema(producer: Producer, name: string): { schema: object; version: number } {
    if (producer.id === SHELL_PRODUCER) {
      const schema = SHELL_EVENT_SCHEMAS[name];
      if (!schema) throw new EventError(name, 'is not an event of the shell');
      return { schema, version: 1 };
    }
    const prefix = producer.id.replace(/-/g, '_');
    if (name.split('.')[0] !== prefix)
      throw new EventError(name, `is outside the prefix "${prefix}." of module "${producer.id}"`);
    const declared = producer.manifest?.events?.emits?.find((e) => e.name === name);
    if (!declared) throw new EventError(name, `is not declared in the manifest of module "${producer.id}" (events.emits)`);
    return { schema: declared.payload, version: declared.version };
  }

  /** Checks the payload against the producer's declared schema, compiled once per module version. */
  private check(producer: Producer, name: string, payload: unknown): number {
    const { schema, version } = this.payloadSchema(producer, name);
    const key = producer.registryId ?? SHELL_PRODUCER;
    let schemas = this.schemas.get(key);
    if (!schemas) this.schemas.set(key, (schemas = new VendorSchemas()));
    const compiled = schemas.compile(schema);
    if ('error' in compiled) throw new EventError(name, `its payload schema ${compiled.error}`);
    if (!compiled.validate(payload)) {
      const problems = describeErrors(compiled.validate.errors, 'payload');
      throw new EventError(
        name,
        `payload refused: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
        problems[0]?.path,
      );
    }
    return version;
  }

  /**
   * Writes many events of one producer in one workspace with one statement, in the caller's
   * unit: imports, and the batched emits of busy producers. Each payload is checked as in
   * `emit`; one bad payload refuses the batch, naming its index. No idempotency keys here.
   */
  async emitMany(
    producer: Producer,
    workspaceId: string,
    events: { name: string; payload: unknown; contactId?: string | null }[],
    actor?: Actor,
  ): Promise<number> {
    const versions = events.map((e, i) => {
      try {
        return this.check(producer, e.name, e.payload);
      } catch (err) {
        if (err instanceof EventError) throw new EventError(e.name, `[${i}]: ${err.message}`, `[${i}]`);
        throw err;
      }
    });
    return this.db.app(workspaceId, async () => {
      const contacts = [...new Set(events.map((e) => e.contactId).filter((c): c is string => !!c))];
      if (contacts.length > 0) {
        const seen = await this.db.rows<{ id: string }>('SELECT id FROM contacts WHERE id = ANY($1::uuid[])', [contacts]);
        const missing = contacts.find((c) => !seen.some((s) => s.id === c));
        if (missing) throw new NotFoundError('contact', missing);
      }
      const rows = events.map((e, i) => ({
        ord: i,
        name: e.name,
        version: versions[i],
        contact: e.contactId ?? null,
        payload: e.payload,
      }));
      const inserted = await this.db.rows(
        `WITH subs AS (
           SELECT n.name, array_agg(s.subscriber ORDER BY s.subscriber) AS subscribers
             FROM (SELECT DISTINCT name FROM jsonb_to_recordset($2::jsonb) AS r(name text)) n
             CROSS JOIN LATERAL (${SUBSCRIBERS('$1', 'n.name')}) s
            GROUP BY n.name)
         INSERT INTO events (workspace_id, name, schema_version, producer, contact_id, actor_type, actor_id, payload, subscribers)
         SELECT $1, r.name, r.version, $3, r.contact, $4, $5, r.payload, COALESCE(s.subscribers, '{}')
           FROM jsonb_to_recordset($2::jsonb) AS r(ord integer, name text, version integer, contact uuid, payload jsonb)
           LEFT JOIN subs s ON s.name = r.name
          ORDER BY r.ord
         RETURNING 1`,
        [workspaceId, JSON.stringify(rows), producer.id, actor?.type ?? 'module', actor?.id ?? producer.id],
      );
      this.db.afterCommit(() => this.committed());
      return inserted.length;
    });
  }

  /**
   * Writes one event in the caller's unit (or a unit of its own). With an idempotency key, a
   * repeat in the same workspace from the same producer returns the first event and writes nothing.
   */
  async emit(
    producer: Producer,
    workspaceId: string | null,
    name: string,
    payload: unknown,
    options: EmitOptions = {},
  ): Promise<{ event: StoredEvent; duplicate: boolean }> {
    const version = this.check(producer, name, payload);
    if (workspaceId === null && producer.id !== SHELL_PRODUCER)
      throw new EventError(name, 'a module emits only within a workspace');
    const write = async (): Promise<{ event: StoredEvent; duplicate: boolean }> => {
      const id = randomUUID();
      if (options.idempotencyKey !== undefined) {
        if (workspaceId === null) throw new EventError(name, 'an idempotency key needs a workspace');
        const claimed = await this.db.rows(
          `INSERT INTO event_idempotency_keys (workspace_id, producer, key, event_id) VALUES ($1, $2, $3, $4)
           ON CONFLICT DO NOTHING RETURNING event_id`,
          [workspaceId, producer.id, options.idempotencyKey, id],
        );
        if (claimed.length === 0) {
          const [first] = await this.db.rows<StoredEvent>(
            `SELECT ${EVENT_COLUMNS} FROM events e WHERE id =
               (SELECT event_id FROM event_idempotency_keys WHERE workspace_id = $1 AND producer = $2 AND key = $3)`,
            [workspaceId, producer.id, options.idempotencyKey],
          );
          return { event: first!, duplicate: true }; // the key's event_id references the event it claimed
        }
      }
      if (options.contactId) {
        // A foreign key would accept any workspace's contact: row-level security decides here.
        const [contact] = await this.db.rows('SELECT 1 FROM contacts WHERE id = $1', [options.contactId]);
        if (!contact) throw new NotFoundError('contact', options.contactId);
      }
      const [event] = await this.db.rows<StoredEvent>(
        `INSERT INTO events AS e (id, workspace_id, name, schema_version, producer, contact_id, actor_type, actor_id, payload, idempotency_key, subscribers)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
           COALESCE((SELECT array_agg(s.subscriber ORDER BY s.subscriber) FROM (${SUBSCRIBERS('$2', '$3')}) s), '{}'))
         RETURNING ${EVENT_COLUMNS}`,
        [
          id,
          workspaceId,
          name,
          version,
          producer.id,
          options.contactId ?? null,
          options.actor?.type ?? (producer.id === SHELL_PRODUCER ? 'system' : 'module'),
          options.actor?.id ?? (producer.id === SHELL_PRODUCER ? null : producer.id),
          JSON.stringify(payload),
          options.idempotencyKey ?? null,
        ],
      );
      const stored = event!; // INSERT … RETURNING answers the row it wrote
      if (stored.subscribers.length > 0) this.db.afterCommit(() => this.committed());
      return { event: stored, duplicate: false };
    };
    // Platform-wide events belong to no workspace: only the owner may write those rows.
    return workspaceId === null ? this.db.owner('platform event', write) : this.db.app(workspaceId, write);
  }
}
