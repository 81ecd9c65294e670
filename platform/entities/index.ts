import type { Database } from '../db/index.js';
import { ApiTokens } from './api-tokens.js';
import { Billing } from './billing.js';
import { Contacts } from './contacts.js';
import { defineModels, type ShellModels } from './models.js';
import { TwoFactor } from './two-factor.js';
import { Users } from './users.js';
import { Workspaces } from './workspaces.js';

export type { ApiCaller, ApiToken, ApiTokenInput } from './api-tokens.js';
export { DEFAULT_TOKEN_DAYS, SHELL_SCOPES } from './api-tokens.js';
export type { BillingAccountInput, SubscriptionInput } from './billing.js';
export type { Contact, ContactChanges, ContactInput, ContactSource, QualificationStatus, UpsertResult } from './contacts.js';
export { CONTACT_COLUMNS, CONTACT_FIELDS } from './contacts.js';
export { CHANNELS, STATUSES, WARMTHS } from './contact-values.js';
export type * from './models.js';
export type { CreateUserInput, PublicUser } from './users.js';
export type { CreateWorkspaceInput } from './workspaces.js';
export { checkText, checkUuid, normalizeEmail, normalizePhone, UUID } from './normalize.js';
export { ApiTokens, Billing, Contacts, TwoFactor, Users, Workspaces };

/** The shell's entities API over one database. */
export interface Entities {
  models: ShellModels;
  workspaces: Workspaces;
  users: Users;
  contacts: Contacts;
  billing: Billing;
  twoFactor: TwoFactor;
  apiTokens: ApiTokens;
}

export function createEntities(db: Database): Entities {
  const models = defineModels(db.sequelize);
  const workspaces = new Workspaces(db, models);
  return {
    models,
    workspaces,
    users: new Users(db, models, workspaces),
    contacts: new Contacts(db),
    billing: new Billing(db, models, workspaces),
    twoFactor: new TwoFactor(db),
    apiTokens: new ApiTokens(db),
  };
}
