import assert from 'node:assert/strict';
import { seedDemo } from '../platform/seed/index.js';
import { freshDatabase, onServer, rowCounts, type TestDatabase } from './support/database.js';
import { testPlatform, type TestPlatform } from './support/platform.js';

describe(`demo seed (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let p: TestPlatform;
  before(async () => {
    t = await freshDatabase();
    p = testPlatform(t);
  });
  after(() => t.drop());

  it('writes an agency with two clients, their owners, billing, modules and 10,000 contacts', async () => {
    const report = await seedDemo(t.db, t.entities, {
      password: 'demo password 123',
      marketplace: p.market,
      runtime: p.runtime,
    });
    assert.deepEqual(report, {
      workspaces: 3,
      users: 3,
      memberships: 5,
      billingAccounts: 1,
      subscriptions: 3,
      modulesEnabled: 2,
      moduleRows: 5,
      contacts: 10_000,
    });
    const agency = await t.entities.workspaces.bySlug('agency');
    const clientA = await t.entities.workspaces.bySlug('client-a');
    const clientB = await t.entities.workspaces.bySlug('client-b');
    assert.equal(clientA.parentId, agency.id);
    assert.equal(clientB.parentId, agency.id);
    assert.equal((await t.entities.contacts.count(clientA.id)) + (await t.entities.contacts.count(clientB.id)), 10_000);
    const owner = await t.entities.users.verifyPassword('owner@agency.demo', 'demo password 123');
    assert.ok(owner, 'the agency owner signs in with the demo password');
    assert.equal(await t.entities.users.roleIn(owner.id, agency.id), 'owner');
    assert.equal(await t.entities.users.roleIn(owner.id, clientA.id), 'admin');
    assert.equal(await t.entities.users.roleIn(owner.id, clientB.id), 'admin');
    const clientOwner = await t.entities.users.byEmail('owner@client-a.demo');
    assert.equal(await t.entities.users.roleIn(clientOwner.id, clientB.id), null);
    assert.equal((await t.entities.billing.accountFor(clientA.id))?.workspaceId, agency.id);
    const enabled = async (id: string) =>
      (await p.market.lifecycle.installations(id)).filter((i) => i.enabled).map((i) => i.moduleId);
    assert.deepEqual(await enabled(clientA.id), ['knowledge']);
    assert.deepEqual(await enabled(clientB.id), [], 'the two clients show different modules');
    const entries = await p.runtime.run('knowledge', { workspaceId: clientA.id }, (ctx) => ctx.models.kb_entries.count());
    assert.equal(entries, 4);
  });

  it('changes nothing when run again', async () => {
    const before = await rowCounts(t.db);
    const stamp = await t.db.owner('test', () => t.db.rows<{ max: Date }>('SELECT max(updated_at) AS max FROM contacts'));
    assert.ok(stamp[0].max instanceof Date);
    const report = await seedDemo(t.db, t.entities, {
      password: 'another password 456',
      marketplace: p.market,
      runtime: p.runtime,
    });
    assert.deepEqual(report, {
      workspaces: 0,
      users: 0,
      memberships: 0,
      billingAccounts: 0,
      subscriptions: 0,
      modulesEnabled: 0,
      moduleRows: 0,
      contacts: 0,
    });
    assert.deepEqual(await rowCounts(t.db), before);
    assert.deepEqual(await t.db.owner('test', () => t.db.rows('SELECT max(updated_at) AS max FROM contacts')), stamp);
    assert.ok(await t.entities.users.verifyPassword('owner@agency.demo', 'demo password 123'), 'passwords are left as they were');
  });
});
