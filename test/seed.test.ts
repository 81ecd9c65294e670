import assert from 'node:assert/strict';
import { sendDemoRequests } from '../platform/cli/demo-requests.js';
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
      marketplace: p.marketplace,
      runtime: p.runtime,
      sendRequests: (sequences) => sendDemoRequests(p, sequences),
    });
    assert.deepEqual(report, {
      workspaces: 3,
      users: 3,
      memberships: 5,
      billingAccounts: 1,
      subscriptions: 3,
      modulesEnabled: 8,
      moduleRows: 11,
      moduleRequests: 15,
      contacts: 10_000,
    });
    const agency = await t.entities.workspaces.bySlug('agency');
    const clientA = await t.entities.workspaces.bySlug('client-a');
    const clientB = await t.entities.workspaces.bySlug('client-b');
    assert.equal(clientA.parentId, agency.id);
    assert.equal(clientB.parentId, agency.id);
    // The demo's 10,000, and the six people the modules' demo activity captured (four in client-a, two in client-b).
    assert.equal((await t.entities.contacts.count(clientA.id)) + (await t.entities.contacts.count(clientB.id)), 10_006);
    const owner = await t.entities.users.verifyPassword('owner@agency.demo', 'demo password 123');
    assert.ok(owner, 'the agency owner signs in with the demo password');
    assert.equal(await t.entities.users.roleIn(owner.id, agency.id), 'owner');
    assert.equal(await t.entities.users.roleIn(owner.id, clientA.id), 'admin');
    assert.equal(await t.entities.users.roleIn(owner.id, clientB.id), 'admin');
    const clientOwner = await t.entities.users.byEmail('owner@client-a.demo');
    assert.equal(await t.entities.users.roleIn(clientOwner.id, clientB.id), null);
    assert.equal((await t.entities.billing.accountFor(clientA.id))?.workspaceId, agency.id);
    const enabled = async (id: string) =>
      (await p.marketplace.lifecycle.installations(id)).filter((i) => i.enabled).map((i) => i.moduleId);
    assert.deepEqual(await enabled(clientA.id), ['chat', 'contact-forms', 'knowledge', 'logiclegal', 'voice']);
    assert.deepEqual(await enabled(clientB.id), ['contact-forms'], 'the two clients show different modules');
    const entries = await p.runtime.run('knowledge', { workspaceId: clientA.id }, (ctx) => ctx.models.kb_entries.count());
    assert.equal(entries, 5);
  });

  it("exercises all five modules through their own routes: one person's form, chat and call are one contact, qualified", async () => {
    const clientA = await t.entities.workspaces.bySlug('client-a');
    await p.dispatcher().drain();
    const dana = await t.entities.contacts.findByIdentity(clientA.id, 'email', 'dana.reyes@example.com');
    assert.ok(dana);
    assert.deepEqual([...new Set(dana.provenance.map((touch) => touch.module))].sort(), [
      'chat',
      'contact-forms',
      'logiclegal',
      'voice',
    ]);
    assert.equal(dana.qualificationStatus, 'qualified');
    const outcomes = await t.db.app(clientA.id, () =>
      t.db.rows<{ name: string; n: string }>(
        "SELECT name, count(*) AS n FROM events WHERE name LIKE 'logiclegal.%' GROUP BY name ORDER BY name",
      ),
    );
    assert.deepEqual(
      outcomes.map((o) => o.name),
      ['logiclegal.prospect_qualified', 'logiclegal.prospect_rejected'],
      'some leads qualify, some do not',
    );
    const hits = await t.db.app(null, () => t.db.rows<{ n: string }>('SELECT count(*) AS n FROM route_hits'));
    assert.equal(Number(hits[0].n), 0, 'the rate limits start afresh after the seed');
  });

  it('changes nothing when run again', async () => {
    const before = await rowCounts(t.db);
    const stamp = await t.db.owner('test', () => t.db.rows<{ max: Date }>('SELECT max(updated_at) AS max FROM contacts'));
    assert.ok(stamp[0].max instanceof Date);
    const report = await seedDemo(t.db, t.entities, {
      password: 'another password 456',
      marketplace: p.marketplace,
      runtime: p.runtime,
      sendRequests: (sequences) => sendDemoRequests(p, sequences),
    });
    assert.deepEqual(report, {
      workspaces: 0,
      users: 0,
      memberships: 0,
      billingAccounts: 0,
      subscriptions: 0,
      modulesEnabled: 0,
      moduleRows: 0,
      moduleRequests: 0,
      contacts: 0,
    });
    assert.deepEqual(await rowCounts(t.db), before);
    assert.deepEqual(await t.db.owner('test', () => t.db.rows('SELECT max(updated_at) AS max FROM contacts')), stamp);
    assert.ok(await t.entities.users.verifyPassword('owner@agency.demo', 'demo password 123'), 'passwords are left as they were');
  });
});
