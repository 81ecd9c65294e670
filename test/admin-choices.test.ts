import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { AdminClient, adminApp, serveLocally } from './support/admin.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { testPlatform, type TestPlatform } from './support/platform.js';
import { pluginDir } from './support/plugins.js';

const PASSWORD = 'a long enough test password';

/**
 * Columns with a closed set of values (a contact's status and warmth, a module column's `enum`)
 * are selects in the admin, and their filter matches the value itself: "qualified" does not
 * find "disqualified", and a value outside the set is refused, naming it.
 */
describe(`closed sets of values in the admin (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let p: TestPlatform;
  let server: Server;
  let c: AdminClient;

  before(async () => {
    t = await freshDatabase();
    p = testPlatform(t);
    const ws = await t.entities.workspaces.create({ slug: 'firm', name: 'Firm' });
    await t.entities.users.create({ email: 'owner@firm.test', password: PASSWORD });
    await t.entities.users.grant({ email: 'owner@firm.test', workspace: 'firm', role: 'owner' });
    for (const [name, qualificationStatus] of [
      ['Quinn Qualified', 'qualified'],
      ['Dana Disqualified', 'disqualified'],
    ] as const)
      await t.entities.contacts.upsert(ws.id, {
        name,
        emails: [`${qualificationStatus}@firm.test`],
        qualificationStatus,
        source: { module: 'plinth' },
      });
    await p.add(
      pluginDir('tickets', (m) => {
        m.tables[0].schema.properties.priority = { type: 'string', enum: ['low', 'lowest', 'high'] };
      }),
      'tickets',
      ['firm'],
    );
    await p.runtime.run('tickets', { workspaceId: ws.id }, async (ctx) => {
      for (const priority of ['low', 'lowest']) await ctx.models.notes.create({ title: `a ${priority} one`, priority });
    });
    let base: string;
    ({ server, base } = await serveLocally(adminApp(t, p)));
    c = new AdminClient(base);
    assert.equal((await c.post('/admin/login', { email: 'owner@firm.test', password: PASSWORD })).status, 303);
  });
  after(async () => {
    server?.close();
    await t?.drop();
  });

  const names = async (path: string, key: string) =>
    ((await c.json(path)).body.records as { params: Record<string, string> }[]).map((r) => r.params[key]).sort();

  it('finds the status asked for, not every status that contains it', async () => {
    const list = '/admin/api/resources/contacts/actions/list?filters.qualificationStatus=';
    assert.deepEqual(await names(`${list}qualified`, 'name'), ['Quinn Qualified']);
    assert.deepEqual(await names(`${list}disqualified`, 'name'), ['Dana Disqualified']);
    const part = await c.json(`${list}qual`);
    assert.equal(part.status, 400);
    assert.match(
      part.body.error,
      /filters\.qualificationStatus: "qual" is not one of new, engaged, qualified, disqualified, customer/,
    );
  });

  it("holds a module column's enum the same way", async () => {
    const list = '/admin/api/resources/tickets.notes/actions/list?filters.priority=';
    assert.deepEqual(await names(`${list}low`, 'title'), ['a low one']);
    assert.equal((await c.json(`${list}urgent`)).status, 400);
  });

  it("refuses an out-of-range or unknown value in words beside its field, where the table's check would have spoken SQL", async () => {
    const [quinn] = (await c.json('/admin/api/resources/contacts/actions/list?filters.qualificationStatus=qualified')).body
      .records;
    const edit = `/admin/api/resources/contacts/records/${quinn.id}/edit`;
    for (const [field, value, message] of [
      ['leadScore', '150', 'Lead score must be 0–100'],
      ['leadScore', 'NaN', 'Lead score must be a whole number from 0 to 100'],
      ['qualificationStatus', 'carrier pigeon', 'Status must be one of new, engaged, qualified, disqualified, customer'],
      ['warmth', 'tepid', 'Warmth must be one of cold, warm, hot'],
      ['preferredChannel', 'carrier pigeon', 'Preferred channel must be one of email, phone, sms, whatsapp, post'],
    ]) {
      const answer = await (await c.post(edit, { name: 'Quinn Qualified', [field]: value })).json();
      assert.equal(answer.record.errors?.[field]?.message, message, JSON.stringify(answer.record.errors));
      assert.doesNotMatch(JSON.stringify(answer), /violates check constraint|invalid input syntax/);
    }
    const [row] = await t.db.unit({ role: 'connection' }, () =>
      t.db.rows<{ lead_score: number; qualification_status: string }>(
        'SELECT lead_score, qualification_status FROM contacts WHERE id = $1',
        [quinn.id],
      ),
    );
    assert.deepEqual([row.lead_score, row.qualification_status], [0, 'qualified'], 'nothing written');
  });

  it('offers the values as a select in the screens', async () => {
    const state = (await c.pageState()) as unknown as {
      resources: { id: string; properties: Record<string, { availableValues: { value: string }[] | null }> }[];
    };
    const values = (resource: string, property: string) =>
      state.resources.find((r) => r.id === resource)!.properties[property].availableValues?.map((v) => v.value);
    assert.deepEqual(values('contacts', 'qualificationStatus'), ['new', 'engaged', 'qualified', 'disqualified', 'customer']);
    assert.deepEqual(values('contacts', 'warmth'), ['cold', 'warm', 'hot']);
    assert.deepEqual(values('contacts', 'preferredChannel'), ['email', 'phone', 'sms', 'whatsapp', 'post']);
    assert.deepEqual(values('tickets.notes', 'priority'), ['low', 'lowest', 'high']);
  });
});
