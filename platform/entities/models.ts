import { DataTypes, Model, type ModelStatic, type Sequelize } from 'sequelize';
import { CHANNELS, LEAD_SCORE, STATUSES, WARMTHS } from './contact-values.js';

/**
 * Sequelize models over the tables the shell's migrations create (the migrations are the
 * source of truth for the schema; these are the typed handles the API and the admin use).
 */
export interface WorkspaceRow {
  id: string;
  parentId: string | null;
  slug: string;
  name: string;
  settings: Record<string, unknown>;
  themeId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface UserRow {
  id: string;
  email: string;
  name: string;
  passwordHash: string;
  status: 'active' | 'disabled';
  lastLoginAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export type MembershipRole = 'owner' | 'admin' | 'member';

export interface MembershipRow {
  workspaceId: string;
  userId: string;
  role: MembershipRole;
}

export interface BillingAccountRow {
  id: string;
  workspaceId: string;
  name: string;
  currency: string;
  taxCountry: string | null;
  taxId: string | null;
  platformTaxRate: string;
  billingEmail: string | null;
}

export type SubscriptionStatus = 'trialing' | 'active' | 'past_due' | 'canceled';

export interface SubscriptionRow {
  id: string;
  billingAccountId: string;
  workspaceId: string;
  plan: string;
  modules: string[];
  status: SubscriptionStatus;
  currentPeriodStart: Date;
  currentPeriodEnd: Date;
}

type Handle<Row extends object> = ModelStatic<Model<Row, Partial<Row>>>;

export interface ShellModels {
  Workspace: Handle<WorkspaceRow>;
  User: Handle<UserRow>;
  Membership: Handle<MembershipRow>;
  Contact: Handle<Record<string, unknown>>;
  ContactIdentity: Handle<Record<string, unknown>>;
  ContactMergeCandidate: Handle<Record<string, unknown>>;
  Event: Handle<Record<string, unknown>>;
  EventDelivery: Handle<Record<string, unknown>>;
  ModuleRegistry: Handle<Record<string, unknown>>;
  ModuleInstallation: Handle<Record<string, unknown>>;
  Theme: Handle<Record<string, unknown>>;
  LayoutDefinition: Handle<Record<string, unknown>>;
  BillingAccount: Handle<BillingAccountRow>;
  Subscription: Handle<SubscriptionRow>;
}

const { UUID, TEXT, JSONB, INTEGER, BOOLEAN, DATE, ARRAY, DECIMAL } = DataTypes;
const id = { type: UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 };
const workspace = { type: UUID, allowNull: false };
const json = (defaultValue: unknown) => ({ type: JSONB, allowNull: false, defaultValue });

export function defineModels(sequelize: Sequelize): ShellModels {
  const table = <Row extends object = Record<string, unknown>>(
    name: string,
    tableName: string,
    attributes: object,
    options: object = {},
  ): Handle<Row> => sequelize.define(name, attributes as never, { tableName, underscored: true, ...options });

  const Workspace = table<WorkspaceRow>('Workspace', 'workspaces', {
    id,
    parentId: { type: UUID },
    slug: { type: TEXT, allowNull: false },
    name: { type: TEXT, allowNull: false },
    settings: json({}),
    themeId: { type: UUID },
  });
  const User = table<UserRow>('User', 'users', {
    id,
    email: { type: TEXT, allowNull: false },
    name: { type: TEXT, allowNull: false, defaultValue: '' },
    passwordHash: { type: TEXT, allowNull: false },
    status: { type: TEXT, allowNull: false, defaultValue: 'active' },
    lastLoginAt: { type: DATE },
  });
  const Membership = table<MembershipRow>('Membership', 'memberships', {
    workspaceId: { ...workspace, primaryKey: true },
    userId: { type: UUID, allowNull: false, primaryKey: true },
    role: { type: TEXT, allowNull: false },
  });
  const Contact = table('Contact', 'contacts', {
    id,
    workspaceId: workspace,
    name: { type: TEXT, allowNull: false, defaultValue: '' },
    organization: { type: TEXT },
    emails: { type: ARRAY(TEXT), allowNull: false, defaultValue: [] },
    phones: { type: ARRAY(TEXT), allowNull: false, defaultValue: [] },
    provenance: json([]),
    // The admin writes through these models: its refusals name the field, in words, before the table's checks would.
    qualificationStatus: {
      type: TEXT,
      allowNull: false,
      defaultValue: 'new',
      validate: { isIn: { args: [STATUSES], msg: `Status must be one of ${STATUSES.join(', ')}` } },
    },
    leadScore: {
      type: INTEGER,
      allowNull: false,
      defaultValue: 0,
      validate: {
        isInt: { msg: `Lead score must be a whole number from ${LEAD_SCORE.min} to ${LEAD_SCORE.max}` },
        min: { args: [LEAD_SCORE.min], msg: `Lead score must be ${LEAD_SCORE.min}–${LEAD_SCORE.max}` },
        max: { args: [LEAD_SCORE.max], msg: `Lead score must be ${LEAD_SCORE.min}–${LEAD_SCORE.max}` },
      },
    },
    warmth: { type: TEXT, validate: { isIn: { args: [WARMTHS], msg: `Warmth must be one of ${WARMTHS.join(', ')}` } } },
    consent: json({}),
    preferredChannel: {
      type: TEXT,
      validate: { isIn: { args: [CHANNELS], msg: `Preferred channel must be one of ${CHANNELS.join(', ')}` } },
    },
    metadata: json({}),
  });
  const ContactIdentity = table(
    'ContactIdentity',
    'contact_identities',
    {
      workspaceId: { ...workspace, primaryKey: true },
      kind: { type: TEXT, allowNull: false, primaryKey: true },
      value: { type: TEXT, allowNull: false, primaryKey: true },
      contactId: { type: UUID, allowNull: false },
    },
    { updatedAt: false },
  );
  const ContactMergeCandidate = table('ContactMergeCandidate', 'contact_merge_candidates', {
    id,
    workspaceId: workspace,
    contactId: { type: UUID, allowNull: false },
    otherContactId: { type: UUID, allowNull: false },
    reason: json({}),
    status: { type: TEXT, allowNull: false, defaultValue: 'open' },
  });
  const Event = table(
    'Event',
    'events',
    {
      id,
      workspaceId: { type: UUID },
      name: { type: TEXT, allowNull: false },
      schemaVersion: { type: INTEGER, allowNull: false, defaultValue: 1 },
      producer: { type: TEXT, allowNull: false },
      contactId: { type: UUID },
      actorType: { type: TEXT, allowNull: false },
      actorId: { type: TEXT },
      payload: json({}),
      idempotencyKey: { type: TEXT },
      occurredAt: { type: DATE, allowNull: false },
      recordedAt: { type: DATE, allowNull: false },
    },
    { timestamps: false },
  );
  const EventDelivery = table('EventDelivery', 'event_deliveries', {
    eventId: { type: UUID, primaryKey: true },
    subscriber: { type: TEXT, primaryKey: true },
    workspaceId: { type: UUID },
    status: { type: TEXT, allowNull: false, defaultValue: 'pending' },
    attempts: { type: INTEGER, allowNull: false, defaultValue: 0 },
    nextAttemptAt: { type: DATE, allowNull: false },
    lastError: { type: TEXT },
  });
  const ModuleRegistry = table('ModuleRegistry', 'module_registry', {
    id,
    moduleId: { type: TEXT, allowNull: false },
    version: { type: TEXT, allowNull: false },
    manifest: json({}),
    packageSha256: { type: TEXT },
    signature: { type: TEXT },
    signingKey: { type: TEXT },
    source: { type: TEXT, allowNull: false },
    status: { type: TEXT, allowNull: false, defaultValue: 'published' },
  });
  const ModuleInstallation = table('ModuleInstallation', 'module_installations', {
    workspaceId: { ...workspace, primaryKey: true },
    moduleId: { type: TEXT, allowNull: false, primaryKey: true },
    registryId: { type: UUID, allowNull: false },
    enabled: { type: BOOLEAN, allowNull: false, defaultValue: true },
    settings: json({}),
    enabledAt: { type: DATE },
    disabledAt: { type: DATE },
  });
  const Theme = table('Theme', 'themes', {
    id,
    workspaceId: { type: UUID },
    key: { type: TEXT, allowNull: false },
    name: { type: TEXT, allowNull: false },
    definition: json({}),
  });
  const LayoutDefinition = table('LayoutDefinition', 'layout_definitions', {
    id,
    workspaceId: { type: UUID },
    moduleId: { type: TEXT },
    resource: { type: TEXT, allowNull: false },
    definition: json({}),
    version: { type: INTEGER, allowNull: false, defaultValue: 1 },
  });
  const BillingAccount = table<BillingAccountRow>('BillingAccount', 'billing_accounts', {
    id,
    workspaceId: workspace,
    name: { type: TEXT, allowNull: false },
    currency: { type: TEXT, allowNull: false },
    taxCountry: { type: TEXT },
    taxId: { type: TEXT },
    platformTaxRate: { type: DECIMAL(6, 4), allowNull: false, defaultValue: 0 },
    billingEmail: { type: TEXT },
  });
  const Subscription = table<SubscriptionRow>('Subscription', 'subscriptions', {
    id,
    billingAccountId: { type: UUID, allowNull: false },
    workspaceId: workspace,
    plan: { type: TEXT, allowNull: false },
    modules: { type: ARRAY(TEXT), allowNull: false, defaultValue: [] },
    status: { type: TEXT, allowNull: false },
    currentPeriodStart: { type: DATE, allowNull: false },
    currentPeriodEnd: { type: DATE, allowNull: false },
  });
  return {
    Workspace,
    User,
    Membership,
    Contact,
    ContactIdentity,
    ContactMergeCandidate,
    Event,
    EventDelivery,
    ModuleRegistry,
    ModuleInstallation,
    Theme,
    LayoutDefinition,
    BillingAccount,
    Subscription,
  };
}
