import { quoteIdent } from '../roles.js';
import { grantApp, run, type ShellMigration } from './context.js';

/**
 * The event bus: each event stored once with its subscriber set and its position (the writing
 * transaction's id, then a sequence); one cursor per subscriber and workspace; rows in
 * event_deliveries only for failures, retries and dead deliveries. Idempotency keys in a table
 * of their own. See docs/decisions/0008-event-bus.md.
 */
const FUNCTIONS =
  'plinth_event_head(), plinth_new_work(xid8, bigint, integer), plinth_waiting_cursors(), plinth_due_retries(integer)';

export const eventBus: ShellMigration = {
  name: '0009-event-bus',
  async up(ctx) {
    const owner = quoteIdent(ctx.db.roles.owner);
    await run(ctx, [
      `ALTER TABLE events ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id()`,
      `ALTER TABLE events ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY`,
      `ALTER TABLE events ADD COLUMN subscribers text[] NOT NULL DEFAULT '{}'`,
      `CREATE INDEX events_position_idx ON events (txid, seq)`,
      `CREATE INDEX events_workspace_position_idx ON events (workspace_id, txid, seq)`,
      `DROP INDEX events_idempotency_key`,
      `CREATE TABLE event_idempotency_keys (
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        producer text NOT NULL,
        key text NOT NULL CONSTRAINT event_idempotency_keys_length CHECK (length(key) BETWEEN 1 AND 200),
        event_id uuid NOT NULL REFERENCES events(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
        PRIMARY KEY (workspace_id, producer, key)
      )`,
      `CREATE TABLE event_cursors (
        subscriber text NOT NULL,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        txid xid8 NOT NULL DEFAULT '0',
        seq bigint NOT NULL DEFAULT 0,
        delivered bigint NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (subscriber, workspace_id)
      )`,
      `ALTER TABLE event_deliveries ADD COLUMN delivered_at timestamptz`,
      `ALTER TABLE event_deliveries ALTER COLUMN workspace_id SET NOT NULL`,
      `DROP INDEX event_deliveries_due_idx`,
      `CREATE INDEX event_deliveries_due_idx ON event_deliveries (next_attempt_at) WHERE status = 'failed'`,
      ...['event_idempotency_keys', 'event_cursors'].flatMap((t) => [
        `ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY`,
        `ALTER TABLE ${t} FORCE ROW LEVEL SECURITY`,
        `CREATE POLICY maintenance ON ${t} TO ${owner} USING (true) WITH CHECK (true)`,
        `CREATE POLICY tenant ON ${t} USING (workspace_id = plinth_current_workspace()) WITH CHECK (workspace_id = plinth_current_workspace())`,
      ]),
      ...grantApp(ctx, ['event_idempotency_keys', 'event_cursors']),
      // Dispatchers serve every workspace: they learn where work waits through these owner
      // functions, which name (subscriber, workspace) pairs and positions, and nothing more.
      `CREATE FUNCTION plinth_event_head() RETURNS TABLE (txid xid8, seq bigint)
         LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
         AS $$ SELECT txid, seq FROM events WHERE txid < pg_snapshot_xmin(pg_current_snapshot())
               ORDER BY txid DESC, seq DESC LIMIT 1 $$`,
      `CREATE FUNCTION plinth_new_work(after_txid xid8, after_seq bigint, max_rows integer)
         RETURNS TABLE (workspace_id uuid, subscriber text, txid xid8, seq bigint)
         LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
         AS $$ SELECT e.workspace_id, s.subscriber, e.txid, e.seq
                 FROM (SELECT workspace_id, subscribers, txid, seq FROM events
                        WHERE (txid, seq) > (after_txid, after_seq) AND txid < pg_snapshot_xmin(pg_current_snapshot())
                        ORDER BY txid, seq LIMIT max_rows) e
                 LEFT JOIN LATERAL unnest(e.subscribers) AS s(subscriber) ON true $$`,
      `CREATE FUNCTION plinth_waiting_cursors() RETURNS TABLE (workspace_id uuid, subscriber text)
         LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
         AS $$ SELECT c.workspace_id, c.subscriber FROM event_cursors c
                WHERE EXISTS (SELECT 1 FROM events e
                               WHERE e.workspace_id = c.workspace_id AND (e.txid, e.seq) > (c.txid, c.seq)
                                 AND e.txid < pg_snapshot_xmin(pg_current_snapshot()) AND e.subscribers @> ARRAY[c.subscriber]) $$`,
      `CREATE FUNCTION plinth_due_retries(max_rows integer) RETURNS TABLE (workspace_id uuid, subscriber text)
         LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
         AS $$ SELECT DISTINCT workspace_id, subscriber FROM (
                 SELECT workspace_id, subscriber FROM event_deliveries
                  WHERE status = 'failed' AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT max_rows) d $$`,
      `REVOKE ALL ON FUNCTION ${FUNCTIONS} FROM PUBLIC`,
      `GRANT EXECUTE ON FUNCTION ${FUNCTIONS} TO ${quoteIdent(ctx.db.roles.app)}`,
    ]);
  },
  async down(ctx) {
    await run(ctx, [
      `DROP FUNCTION ${FUNCTIONS}`,
      'DROP INDEX event_deliveries_due_idx',
      `CREATE INDEX event_deliveries_due_idx ON event_deliveries (next_attempt_at) WHERE status IN ('pending', 'failed')`,
      'ALTER TABLE event_deliveries ALTER COLUMN workspace_id DROP NOT NULL',
      'ALTER TABLE event_deliveries DROP COLUMN delivered_at',
      'DROP TABLE event_cursors',
      'DROP TABLE event_idempotency_keys',
      `CREATE UNIQUE INDEX events_idempotency_key ON events (workspace_id, producer, idempotency_key) WHERE idempotency_key IS NOT NULL`,
      'DROP INDEX events_workspace_position_idx',
      'DROP INDEX events_position_idx',
      'ALTER TABLE events DROP COLUMN subscribers',
      'ALTER TABLE events DROP COLUMN seq',
      'ALTER TABLE events DROP COLUMN txid',
    ]);
  },
};
