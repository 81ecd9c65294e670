import { quoteIdent } from '../roles.js';
import { grantApp, run, touchTrigger, type ShellMigration } from './context.js';

/** An event name a webhook takes: an exact name, or every event of one producer (`<module>.*`). */
const PATTERN = `^([a-z][a-z0-9_]*\\.[a-z][a-z0-9]*(_[a-z0-9]+)+|[a-z][a-z0-9_]*\\.\\*)$`;

/**
 * Outbound webhooks, per workspace: each one is a subscriber of the bus (`webhook:<id>`) with a
 * cursor of its own. The signing secret is kept as it is, since signing needs it: the platform's
 * role reads it under row-level security, module code never does, and no list shows it
 * (docs/decisions/0035-outbound-webhooks.md). `consecutive_dead` counts dead deliveries since
 * the last delivered one; the dispatcher switches the webhook off at the operator's threshold
 * and says why in `disabled_reason`.
 */
export const webhooks: ShellMigration = {
  name: '0024-webhooks',
  async up(ctx) {
    await run(ctx, [
      `CREATE FUNCTION plinth_webhook_events_valid(events text[]) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE
         RETURN (SELECT coalesce(bool_and(coalesce(e ~ '${PATTERN}', false)), false) FROM unnest(events) AS e)`,
      `CREATE TABLE webhooks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        url text NOT NULL CONSTRAINT webhooks_url_format CHECK (url ~ '^https?://' AND length(url) <= 2000),
        events text[] NOT NULL CONSTRAINT webhooks_events CHECK (
          cardinality(events) BETWEEN 1 AND 100 AND plinth_webhook_events_valid(events)),
        secret text NOT NULL CONSTRAINT webhooks_secret_format CHECK (secret ~ '^[0-9a-f]{64}$'),
        active boolean NOT NULL DEFAULT true,
        consecutive_dead integer NOT NULL DEFAULT 0 CONSTRAINT webhooks_consecutive_dead CHECK (consecutive_dead >= 0),
        disabled_at timestamptz,
        disabled_reason text,
        created_by text NOT NULL CONSTRAINT webhooks_created_by_length CHECK (length(created_by) BETWEEN 1 AND 200),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      // What every emit in a workspace asks: its active webhooks.
      `CREATE INDEX webhooks_workspace_active_idx ON webhooks (workspace_id) WHERE active`,
      touchTrigger('webhooks'),
      `ALTER TABLE webhooks ENABLE ROW LEVEL SECURITY`,
      `ALTER TABLE webhooks FORCE ROW LEVEL SECURITY`,
      `CREATE POLICY maintenance ON webhooks TO ${quoteIdent(ctx.db.roles.owner)} USING (true) WITH CHECK (true)`,
      `CREATE POLICY tenant ON webhooks USING (workspace_id = plinth_current_workspace())
         WITH CHECK (workspace_id = plinth_current_workspace())`,
      ...grantApp(ctx, ['webhooks']),
    ]);
  },
  async down(ctx) {
    await run(ctx, [
      `DELETE FROM event_deliveries WHERE subscriber LIKE 'webhook:%'`,
      `DELETE FROM event_cursors WHERE subscriber LIKE 'webhook:%'`,
      'DROP TABLE webhooks',
      'DROP FUNCTION plinth_webhook_events_valid(text[])',
    ]);
  },
};
