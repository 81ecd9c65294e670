import assert from 'node:assert/strict';
import { ConflictError, HierarchyError, NotFoundError, ValidationError } from '../platform/errors/index.js';
import { onServer, rowCounts, uniqueSlug, type TestDatabase } from './support/database.js';
import { sharedDatabase } from './support/shared.js';

/** Asserts that `attempt` fails with `type` and a message matching `message`, and that it wrote nothing. */
async function refusedWithoutWrites(
  t: TestDatabase,
  attempt: () => Promise<unknown>,
  type: new (...a: never[]) => Error,
  message: RegExp,
): Promise<void> {
  const before = await rowCounts(t.db);
  await assert.rejects(attempt, (err: Error) => {
    assert.ok(err instanceof type, `expected ${type.name}, got ${err.name}: ${err.message}`);
    assert.match(err.message, message);
    return true;
  });
  assert.deepEqual(await rowCounts(t.db), before);
}

describe(`workspaces and users (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  before(async () => {
    t = await sharedDatabase();
  });

  it('creates an agency with a client workspace and reads the lineage nearest first', async () => {
    const agency = await t.entities.workspaces.create({ slug: uniqueSlug('agency'), name: 'Agency' });
    const client = await t.entities.workspaces.create({ slug: uniqueSlug('client'), name: 'Client', parent: agency.slug });
    assert.equal(client.parentId, agency.id);
    assert.deepEqual(
      (await t.entities.workspaces.lineage(client.id)).map((w) => w.slug),
      [client.slug, agency.slug],
    );
  });

  it('refuses a duplicate workspace slug', async () => {
    const slug = uniqueSlug('dup');
    await t.entities.workspaces.create({ slug, name: 'First' });
    await refusedWithoutWrites(
      t,
      () => t.entities.workspaces.create({ slug, name: 'Second' }),
      ConflictError,
      new RegExp(`^slug: a workspace "${slug}" already exists`),
    );
  });

  it('refuses a malformed slug and a missing parent', async () => {
    await refusedWithoutWrites(
      t,
      () => t.entities.workspaces.create({ slug: 'Not A Slug', name: 'x' }),
      ValidationError,
      /^slug: "Not A Slug" is not a slug/,
    );
    await refusedWithoutWrites(
      t,
      () => t.entities.workspaces.create({ slug: uniqueSlug('orphan'), name: 'x', parent: 'no-such-parent' }),
      NotFoundError,
      /^workspace "no-such-parent" not found/,
    );
  });

  it('refuses a cycle in the workspace hierarchy, itself included', async () => {
    const a = await t.entities.workspaces.create({ slug: uniqueSlug('a'), name: 'A' });
    const b = await t.entities.workspaces.create({ slug: uniqueSlug('b'), name: 'B', parent: a.slug });
    const c = await t.entities.workspaces.create({ slug: uniqueSlug('c'), name: 'C', parent: b.slug });
    await refusedWithoutWrites(
      t,
      () => t.entities.workspaces.setParent(a.slug, c.slug),
      HierarchyError,
      new RegExp(`workspace "${a.slug}": cannot be placed under "${c.slug}", which is one of its descendants`),
    );
    await refusedWithoutWrites(t, () => t.entities.workspaces.setParent(a.slug, a.slug), HierarchyError, /which is itself/);
    assert.equal((await t.entities.workspaces.bySlug(a.slug)).parentId, null);
  });

  it('the database itself refuses a cycle written past the API', async () => {
    const a = await t.entities.workspaces.create({ slug: uniqueSlug('raw-a'), name: 'A' });
    const b = await t.entities.workspaces.create({ slug: uniqueSlug('raw-b'), name: 'B', parent: a.slug });
    await assert.rejects(
      t.db.app(null, () => t.db.exec('UPDATE workspaces SET parent_id = $1 WHERE id = $2', [b.id, a.id])),
      /would become its own ancestor/,
    );
  });

  it('stores a bcrypt hash, never the password, and verifies it', async () => {
    const email = `${uniqueSlug('user')}@example.com`;
    const user = await t.entities.users.create({ email: email.toUpperCase(), name: 'U', password: 'correct horse battery' });
    assert.equal(user.email, email);
    assert.equal('passwordHash' in user, false);
    const [row] = await t.db.app(null, () =>
      t.db.rows<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [user.id]),
    );
    assert.match(row.password_hash, /^\$2[aby]\$12\$/);
    assert.ok(!row.password_hash.includes('correct horse'));
    assert.equal((await t.entities.users.verifyPassword(email, 'correct horse battery'))?.id, user.id);
    assert.equal(await t.entities.users.verifyPassword(email, 'wrong password!'), null);
    assert.equal(await t.entities.users.verifyPassword('nobody@example.com', 'correct horse battery'), null);
    await t.entities.users.setPassword(email, 'another good password');
    assert.equal((await t.entities.users.verifyPassword(email, 'another good password'))?.id, user.id);
  });

  it('refuses a duplicate email, a short password and a malformed email', async () => {
    const email = `${uniqueSlug('twice')}@example.com`;
    await t.entities.users.create({ email, password: 'long enough password' });
    await refusedWithoutWrites(
      t,
      () => t.entities.users.create({ email, password: 'long enough password' }),
      ConflictError,
      /^email: a user ".*" already exists/,
    );
    await refusedWithoutWrites(
      t,
      () => t.entities.users.create({ email: `x${email}`, password: 'short' }),
      ValidationError,
      /^password: too short: needs at least 12 characters/,
    );
    await refusedWithoutWrites(
      t,
      () => t.entities.users.create({ email: 'no-at-sign', password: 'long enough password' }),
      ValidationError,
      /^email: "no-at-sign" is not an email address/,
    );
  });

  it('refuses a membership for a missing user, in a missing workspace, or with an unknown role', async () => {
    const ws = await t.entities.workspaces.create({ slug: uniqueSlug('members'), name: 'Members' });
    const email = `${uniqueSlug('member')}@example.com`;
    await t.entities.users.create({ email, password: 'long enough password' });
    await refusedWithoutWrites(
      t,
      () => t.entities.users.grant({ email: 'missing@example.com', workspace: ws.slug, role: 'admin' }),
      NotFoundError,
      /^user "missing@example.com" not found/,
    );
    await refusedWithoutWrites(
      t,
      () => t.entities.users.grant({ email, workspace: 'no-such-workspace', role: 'admin' }),
      NotFoundError,
      /^workspace "no-such-workspace" not found/,
    );
    await refusedWithoutWrites(
      t,
      () => t.entities.users.grant({ email, workspace: ws.slug, role: 'king' as never }),
      ValidationError,
      /^role: "king" is not a role/,
    );
  });

  it('an agency membership grants nothing inside its client workspaces', async () => {
    const agency = await t.entities.workspaces.create({ slug: uniqueSlug('ag'), name: 'Agency' });
    const client = await t.entities.workspaces.create({ slug: uniqueSlug('cl'), name: 'Client', parent: agency.slug });
    const email = `${uniqueSlug('agent')}@example.com`;
    const user = await t.entities.users.create({ email, password: 'long enough password' });
    await t.entities.users.grant({ email, workspace: agency.slug, role: 'owner' });
    assert.equal(await t.entities.users.roleIn(user.id, agency.id), 'owner');
    assert.equal(await t.entities.users.roleIn(user.id, client.id), null);
    await t.entities.users.grant({ email, workspace: client.slug, role: 'member' });
    assert.equal(await t.entities.users.roleIn(user.id, client.id), 'member');
    await t.entities.users.grant({ email, workspace: client.slug, role: 'admin' });
    assert.deepEqual((await t.entities.users.memberships(user.id)).map((m) => m.role).sort(), ['admin', 'owner']);
  });
});

describe(`billing accounts and subscriptions (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  before(async () => {
    t = await sharedDatabase();
  });
  const period = { currentPeriodStart: new Date('2026-01-01T00:00:00Z'), currentPeriodEnd: new Date('2027-01-01T00:00:00Z') };

  it("an agency's account pays for its client's subscription", async () => {
    const agency = await t.entities.workspaces.create({ slug: uniqueSlug('payer'), name: 'Payer' });
    const client = await t.entities.workspaces.create({ slug: uniqueSlug('payee'), name: 'Payee', parent: agency.slug });
    const account = await t.entities.billing.createAccount(agency.id, {
      name: 'Payer Ltd',
      currency: 'eur',
      taxCountry: 'nl',
      platformTaxRate: 0.21,
    });
    assert.equal(account.currency, 'EUR');
    assert.equal(account.taxCountry, 'NL');
    assert.equal(Number(account.platformTaxRate), 0.21);
    assert.equal((await t.entities.billing.accountFor(client.id))?.id, account.id);
    const sub = await t.entities.billing.createSubscription(account.id, client.id, {
      plan: 'growth',
      modules: ['voice'],
      status: 'active',
      ...period,
    });
    const updated = await t.entities.billing.updateSubscription(client.id, sub.id, {
      status: 'past_due',
      modules: ['voice', 'chat'],
    });
    assert.equal(updated.status, 'past_due');
    assert.deepEqual(updated.modules, ['voice', 'chat']);
    const renamed = await t.entities.billing.updateAccount(agency.id, account.id, { name: 'Payer BV', taxId: 'NL123' });
    assert.equal(renamed.name, 'Payer BV');
  });

  it("refuses a bad currency, a bad tax rate, an inverted period, and cannot even see another workspace's account", async () => {
    const ws = await t.entities.workspaces.create({ slug: uniqueSlug('billed'), name: 'Billed' });
    const stranger = await t.entities.workspaces.create({ slug: uniqueSlug('stranger'), name: 'Stranger' });
    await refusedWithoutWrites(
      t,
      () => t.entities.billing.createAccount(ws.id, { name: 'X', currency: 'euro' }),
      ValidationError,
      /^currency: "euro" is not an ISO 4217 code/,
    );
    await refusedWithoutWrites(
      t,
      () => t.entities.billing.createAccount(ws.id, { name: 'X', currency: 'EUR', platformTaxRate: 21 }),
      ValidationError,
      /^platformTaxRate: 21 is not a fraction/,
    );
    const account = await t.entities.billing.createAccount(stranger.id, { name: 'Stranger', currency: 'USD' });
    await refusedWithoutWrites(
      t,
      () => t.entities.billing.createSubscription(account.id, ws.id, { plan: 'pro', status: 'active', ...period }),
      NotFoundError,
      new RegExp(`^billing account "${account.id}" not found`),
    );
    await refusedWithoutWrites(
      t,
      () =>
        t.entities.billing.createSubscription(account.id, stranger.id, {
          plan: 'pro',
          status: 'active',
          currentPeriodStart: period.currentPeriodEnd,
          currentPeriodEnd: period.currentPeriodStart,
        }),
      ValidationError,
      /^currentPeriodEnd: must be after currentPeriodStart/,
    );
    await refusedWithoutWrites(
      t,
      () => t.entities.billing.createSubscription(account.id, stranger.id, { plan: 'pro', status: 'paused' as never, ...period }),
      ValidationError,
      /^status: "paused" is not one of/,
    );
  });
});
