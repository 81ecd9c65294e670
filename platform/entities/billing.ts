import type { Database } from '../db/index.js';
import { NotFoundError, ValidationError } from '../errors/index.js';
import type { BillingAccountRow, ShellModels, SubscriptionRow, SubscriptionStatus } from './models.js';
import { checkSlug, checkText, checkUuid, normalizeEmail } from './normalize.js';
import type { Workspaces } from './workspaces.js';

const STATUSES: readonly SubscriptionStatus[] = ['trialing', 'active', 'past_due', 'canceled'];
const MODULE_ID = /^[a-z][a-z0-9-]{1,30}$/;

export interface BillingAccountInput {
  name: string;
  currency: string;
  taxCountry?: string | null;
  taxId?: string | null;
  /** A fraction: 0.2 for 20 %. */
  platformTaxRate?: number;
  billingEmail?: string | null;
}

export interface SubscriptionInput {
  plan: string;
  modules?: string[];
  status: SubscriptionStatus;
  currentPeriodStart: Date;
  currentPeriodEnd: Date;
}

function accountFields(input: Partial<BillingAccountInput>): Partial<BillingAccountRow> {
  const fields: Partial<BillingAccountRow> = {};
  if (input.name !== undefined) fields.name = checkText(input.name, 'name', 200);
  if (input.currency !== undefined) {
    const currency = String(input.currency).toUpperCase();
    if (!/^[A-Z]{3}$/.test(currency)) throw new ValidationError('currency', `"${input.currency}" is not an ISO 4217 code`);
    fields.currency = currency;
  }
  if (input.taxCountry !== undefined) {
    const country = input.taxCountry === null ? null : String(input.taxCountry).toUpperCase();
    if (country !== null && !/^[A-Z]{2}$/.test(country)) {
      throw new ValidationError('taxCountry', `"${input.taxCountry}" is not an ISO 3166 country code`);
    }
    fields.taxCountry = country;
  }
  if (input.taxId !== undefined) fields.taxId = input.taxId === null ? null : checkText(input.taxId, 'taxId', 64);
  if (input.platformTaxRate !== undefined) {
    const rate = input.platformTaxRate;
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) {
      throw new ValidationError('platformTaxRate', `${rate} is not a fraction from 0 to below 1 (0.2 is 20 %)`);
    }
    fields.platformTaxRate = rate.toFixed(4);
  }
  if (input.billingEmail !== undefined) {
    fields.billingEmail = input.billingEmail === null ? null : normalizeEmail(input.billingEmail, 'billingEmail');
  }
  return fields;
}

function subscriptionFields(input: Partial<SubscriptionInput>): Partial<SubscriptionRow> {
  const fields: Partial<SubscriptionRow> = {};
  if (input.plan !== undefined) fields.plan = checkSlug(input.plan, 'plan');
  if (input.modules !== undefined) {
    if (!Array.isArray(input.modules)) throw new ValidationError('modules', 'must be a list of module ids');
    input.modules.forEach((m, i) => {
      if (typeof m !== 'string' || !MODULE_ID.test(m))
        throw new ValidationError(`modules[${i}]`, `"${String(m)}" is not a module id`);
    });
    fields.modules = [...new Set(input.modules)];
  }
  if (input.status !== undefined) {
    if (!STATUSES.includes(input.status)) {
      throw new ValidationError('status', `"${input.status}" is not one of ${STATUSES.join(', ')}`);
    }
    fields.status = input.status;
  }
  for (const key of ['currentPeriodStart', 'currentPeriodEnd'] as const) {
    const value = input[key];
    if (value === undefined) continue;
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new ValidationError(key, 'must be a valid date');
    fields[key] = value;
  }
  return fields;
}

/**
 * Billing accounts and subscriptions. An account is owned by a workspace and pays for it and
 * for the workspaces below it (an agency paying for its clients).
 */
export class Billing {
  constructor(
    private readonly db: Database,
    private readonly models: ShellModels,
    private readonly workspaces: Workspaces,
  ) {}

  async createAccount(workspaceId: string, input: BillingAccountInput): Promise<BillingAccountRow> {
    checkUuid(workspaceId, 'workspaceId');
    if (input.currency === undefined) throw new ValidationError('currency', 'is required');
    const fields = { ...accountFields(input), name: checkText(input.name, 'name', 200) };
    return this.db.app(workspaceId, async () => {
      await this.workspaces.byId(workspaceId);
      const row = await this.models.BillingAccount.create({ ...fields, workspaceId });
      return row.get({ plain: true });
    });
  }

  async updateAccount(workspaceId: string, id: string, patch: Partial<BillingAccountInput>): Promise<BillingAccountRow> {
    const fields = accountFields(patch);
    return this.db.app(checkUuid(workspaceId, 'workspaceId'), async () => {
      const row = await this.models.BillingAccount.findByPk(checkUuid(id, 'id'));
      if (!row) throw new NotFoundError('billing account', id);
      await row.update(fields);
      return row.get({ plain: true });
    });
  }

  /** The account that pays for a workspace: its own, else the nearest ancestor's. */
  async accountFor(workspaceId: string): Promise<BillingAccountRow | null> {
    return this.db.app(workspaceId, async () => {
      for (const w of await this.workspaces.lineage(workspaceId)) {
        const row = await this.models.BillingAccount.findOne({ where: { workspaceId: w.id } });
        if (row) return row.get({ plain: true });
      }
      return null;
    });
  }

  async createSubscription(billingAccountId: string, workspaceId: string, input: SubscriptionInput): Promise<SubscriptionRow> {
    for (const key of ['plan', 'status', 'currentPeriodStart', 'currentPeriodEnd'] as const) {
      if (input[key] === undefined) throw new ValidationError(key, 'is required');
    }
    const fields = subscriptionFields(input);
    checkPeriod(fields);
    await this.workspaces.byId(checkUuid(workspaceId, 'workspaceId'));
    return this.db.app(workspaceId, async () => {
      // Row-level security shows a workspace the accounts of its lineage only: another's is not found.
      const account = await this.models.BillingAccount.findByPk(checkUuid(billingAccountId, 'billingAccountId'));
      if (!account) throw new NotFoundError('billing account', billingAccountId);
      const row = await this.models.Subscription.create({ ...fields, billingAccountId, workspaceId });
      return row.get({ plain: true });
    });
  }

  async updateSubscription(workspaceId: string, id: string, patch: Partial<SubscriptionInput>): Promise<SubscriptionRow> {
    const fields = subscriptionFields(patch);
    return this.db.app(checkUuid(workspaceId, 'workspaceId'), async () => {
      const row = await this.models.Subscription.findByPk(checkUuid(id, 'id'));
      if (!row) throw new NotFoundError('subscription', id);
      checkPeriod({ ...row.get({ plain: true }), ...fields });
      await row.update(fields);
      return row.get({ plain: true });
    });
  }

  async subscriptions(workspaceId: string): Promise<SubscriptionRow[]> {
    const rows = await this.db.app(workspaceId, () =>
      this.models.Subscription.findAll({ where: { workspaceId }, order: [['createdAt', 'ASC']] }),
    );
    return rows.map((r) => r.get({ plain: true }));
  }
}

function checkPeriod(fields: Partial<SubscriptionRow>): void {
  const { currentPeriodStart: start, currentPeriodEnd: end } = fields;
  if (start && end && end.getTime() <= start.getTime()) {
    throw new ValidationError('currentPeriodEnd', 'must be after currentPeriodStart');
  }
}
