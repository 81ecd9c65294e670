import { grantApp, run, touchTrigger, type ShellMigration } from './context.js';

/**
 * Who pays and for what. A billing account belongs to one workspace and may cover its client
 * workspaces (an agency paying for its clients); a subscription covers one workspace.
 */
export const billing: ShellMigration = {
  name: '0006-billing',
  async up(ctx) {
    await run(ctx, [
      `CREATE TABLE billing_accounts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        name text NOT NULL CONSTRAINT billing_accounts_name_length CHECK (length(name) BETWEEN 1 AND 200),
        currency text NOT NULL CONSTRAINT billing_accounts_currency_format CHECK (currency ~ '^[A-Z]{3}$'),
        tax_country text CONSTRAINT billing_accounts_tax_country_format CHECK (tax_country ~ '^[A-Z]{2}$'),
        tax_id text,
        platform_tax_rate numeric(6, 4) NOT NULL DEFAULT 0
          CONSTRAINT billing_accounts_tax_rate_range CHECK (platform_tax_rate >= 0 AND platform_tax_rate < 1),
        billing_email text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT billing_accounts_workspace_key UNIQUE (workspace_id)
      )`,
      touchTrigger('billing_accounts'),
      `CREATE TABLE subscriptions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        billing_account_id uuid NOT NULL REFERENCES billing_accounts(id) ON DELETE CASCADE,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        plan text NOT NULL CONSTRAINT subscriptions_plan_format CHECK (plan ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
        modules text[] NOT NULL DEFAULT '{}',
        status text NOT NULL CONSTRAINT subscriptions_status CHECK (status IN ('trialing', 'active', 'past_due', 'canceled')),
        current_period_start timestamptz NOT NULL,
        current_period_end timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT subscriptions_period_order CHECK (current_period_end > current_period_start)
      )`,
      `CREATE INDEX subscriptions_workspace_idx ON subscriptions (workspace_id, status)`,
      `CREATE INDEX subscriptions_account_idx ON subscriptions (billing_account_id)`,
      touchTrigger('subscriptions'),
      ...grantApp(ctx, ['billing_accounts', 'subscriptions']),
    ]);
  },
  async down(ctx) {
    await run(ctx, ['DROP TABLE subscriptions', 'DROP TABLE billing_accounts']);
  },
};
