import { quoteIdent } from '../roles.js';
import { grantApp, run, type MigrationContext, type ShellMigration } from './context.js';

/** The events table's columns, in the order 0003 and 0009 left them, so that a copy is `SELECT *`. */
const columns = (seq: string, recordedAt: string): string => `
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  workspace_id uuid REFERENCES workspaces(id) ON DELETE CASCADE,
  name text NOT NULL CONSTRAINT events_name_format CHECK (name ~ '^[a-z][a-z0-9_]*\\.[a-z][a-z0-9]*(_[a-z0-9]+)+$'),
  schema_version integer NOT NULL DEFAULT 1 CONSTRAINT events_schema_version_positive CHECK (schema_version >= 1),
  producer text NOT NULL CONSTRAINT events_producer_format CHECK (producer ~ '^[a-z][a-z0-9-]{1,30}$'),
  contact_id uuid REFERENCES contacts(id) ON DELETE SET NULL,
  actor_type text NOT NULL CONSTRAINT events_actor_type CHECK (actor_type IN ('user', 'module', 'system')),
  actor_id text,
  payload jsonb NOT NULL DEFAULT '{}',
  idempotency_key text CONSTRAINT events_idempotency_key_length CHECK (length(idempotency_key) BETWEEN 1 AND 200),
  occurred_at timestamptz NOT NULL DEFAULT now(),
  recorded_at timestamptz NOT NULL DEFAULT ${recordedAt},
  txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  seq bigint ${seq},
  subscribers text[] NOT NULL DEFAULT '{}'`;

const INDEXES = [
  `CREATE INDEX events_workspace_time_idx ON events (workspace_id, occurred_at DESC)`,
  `CREATE INDEX events_contact_time_idx ON events (contact_id, occurred_at) WHERE contact_id IS NOT NULL`,
  `CREATE INDEX events_position_idx ON events (txid, seq)`,
  `CREATE INDEX events_workspace_position_idx ON events (workspace_id, txid, seq)`,
];

const security = (ctx: MigrationContext): string[] => [
  `ALTER TABLE events ENABLE ROW LEVEL SECURITY`,
  `ALTER TABLE events FORCE ROW LEVEL SECURITY`,
  `CREATE POLICY maintenance ON events TO ${quoteIdent(ctx.db.roles.owner)} USING (true) WITH CHECK (true)`,
  `CREATE POLICY tenant ON events USING (workspace_id = plinth_current_workspace()) WITH CHECK (workspace_id = plinth_current_workspace())`,
  ...grantApp(ctx, ['events']),
];

/** Swaps the events table for a new shape, keeping every row and the position sequence's next value. */
function replaceEvents(ctx: MigrationContext, create: string[], sequence: string): string[] {
  return [
    `ALTER TABLE events RENAME TO events_previous`,
    ...['events_pkey', ...INDEXES.map((i) => /INDEX (\w+)/.exec(i)![1])].map(
      (index) => `ALTER INDEX ${index} RENAME TO previous_${index}`,
    ),
    ...create,
    `INSERT INTO events OVERRIDING SYSTEM VALUE SELECT * FROM events_previous`,
    `SELECT setval('${sequence}', COALESCE((SELECT max(seq) FROM events_previous), 0) + 1, false)`,
    `DROP TABLE events_previous`,
    ...INDEXES,
    ...security(ctx),
  ];
}

/**
 * The events table partitioned by the time a row was written, so that retention drops whole
 * periods (no DELETE, no vacuum debt). A partitioned table's keys must hold the partition key,
 * so the delivery and idempotency rows no longer carry a foreign key to events: retention
 * removes theirs with the period. Rows with no period of their own land in `events_default`.
 * `recorded_at` is the clock at the insert, not the transaction's start: once a period has
 * ended by the clock, no new row can land in it. See docs/decisions/0009-event-retention.md.
 */
export const eventPartitions: ShellMigration = {
  name: '0010-event-partitions',
  async up(ctx) {
    const app = quoteIdent(ctx.db.roles.app);
    await run(ctx, [
      `ALTER TABLE event_deliveries DROP CONSTRAINT event_deliveries_event_id_fkey`,
      `ALTER TABLE event_idempotency_keys DROP CONSTRAINT event_idempotency_keys_event_id_fkey`,
      `CREATE SEQUENCE events_position_seq`,
      ...replaceEvents(
        ctx,
        [
          `CREATE TABLE events (${columns(`NOT NULL DEFAULT nextval('events_position_seq')`, 'clock_timestamp()')},
             PRIMARY KEY (id, recorded_at)) PARTITION BY RANGE (recorded_at)`,
          `ALTER SEQUENCE events_position_seq OWNED BY events.seq`,
          `CREATE TABLE events_default PARTITION OF events DEFAULT`,
          // The rows written so far get a partition of their own, named as retention expects
          // (events_<from>_<to>, in epoch seconds; 0 is "from the beginning"): the default
          // partition stays empty, so making the next partitions never scans a large table.
          `DO $$ BEGIN EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (MINVALUE) TO (%L)',
             'events_0_' || ceil(extract(epoch FROM clock_timestamp()))::bigint,
             to_timestamp(ceil(extract(epoch FROM clock_timestamp())))); END $$`,
        ],
        'events_position_seq',
      ),
      `GRANT USAGE ON SEQUENCE events_position_seq TO ${app}`,
    ]);
  },
  async down(ctx) {
    await run(ctx, [
      ...replaceEvents(
        ctx,
        [`CREATE TABLE events (${columns('GENERATED ALWAYS AS IDENTITY', 'now()')}, PRIMARY KEY (id))`],
        'events_seq_seq',
      ),
      `DELETE FROM event_deliveries d WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = d.event_id)`,
      `DELETE FROM event_idempotency_keys k WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = k.event_id)`,
      `ALTER TABLE event_deliveries ADD CONSTRAINT event_deliveries_event_id_fkey
         FOREIGN KEY (event_id) REFERENCES events(id) ON DELETE CASCADE`,
      `ALTER TABLE event_idempotency_keys ADD CONSTRAINT event_idempotency_keys_event_id_fkey
         FOREIGN KEY (event_id) REFERENCES events(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED`,
    ]);
  },
};
