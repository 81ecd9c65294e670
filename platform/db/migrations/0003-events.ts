import { grantApp, run, touchTrigger, type ShellMigration } from './context.js';

/**
 * The shared event log and a first shape of per-subscriber delivery state (one row per
 * subscriber and event); the event bus may reshape delivery for speed.
 */
export const events: ShellMigration = {
  name: '0003-events',
  async up(ctx) {
    await run(ctx, [
      `CREATE TABLE events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
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
        recorded_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE UNIQUE INDEX events_idempotency_key ON events (workspace_id, producer, idempotency_key)
        WHERE idempotency_key IS NOT NULL`,
      `CREATE INDEX events_workspace_time_idx ON events (workspace_id, occurred_at DESC)`,
      `CREATE INDEX events_contact_time_idx ON events (contact_id, occurred_at) WHERE contact_id IS NOT NULL`,
      `CREATE TABLE event_deliveries (
        event_id uuid NOT NULL REFERENCES events(id) ON DELETE CASCADE,
        subscriber text NOT NULL,
        workspace_id uuid REFERENCES workspaces(id) ON DELETE CASCADE,
        status text NOT NULL DEFAULT 'pending'
          CONSTRAINT event_deliveries_status CHECK (status IN ('pending', 'delivered', 'failed', 'dead')),
        attempts integer NOT NULL DEFAULT 0 CONSTRAINT event_deliveries_attempts CHECK (attempts >= 0),
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (event_id, subscriber)
      )`,
      `CREATE INDEX event_deliveries_due_idx ON event_deliveries (next_attempt_at) WHERE status IN ('pending', 'failed')`,
      `CREATE INDEX event_deliveries_workspace_idx ON event_deliveries (workspace_id, status)`,
      touchTrigger('event_deliveries'),
      ...grantApp(ctx, ['events', 'event_deliveries']),
    ]);
  },
  async down(ctx) {
    await run(ctx, ['DROP TABLE event_deliveries', 'DROP TABLE events']);
  },
};
