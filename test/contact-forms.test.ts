import assert from 'node:assert/strict';
import { EventOperations } from '../platform/events/index.js';
import { AdminClient, adminApp, serveLocally } from './support/admin.js';
import { freshDatabase, onServer, rowCounts, type TestDatabase } from './support/database.js';
import { expectRefused, routeServer, type RouteServer } from './support/modules.js';
import { actor, testPlatform, type TestPlatform } from './support/platform.js';

const TABLES = ['mod_contact_forms.contact_submissions', 'contacts', 'events'];
const INTAKE = {
  slug: 'intake',
  name: 'Free consultation',
  active: true,
  consent_text: 'Alder & Finch may contact me about my enquiry.',
  fields: {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'email', 'message'],
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 100 },
      email: { type: 'string', format: 'email' },
      phone: { type: 'string', maxLength: 30 },
      message: { type: 'string', minLength: 5, maxLength: 2000 },
    },
  },
};

/** The bundled Contact Forms module over HTTP: forms defined per workspace, submissions turned into contacts. */
describe(`the Contact Forms module (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let p: TestPlatform;
  let http: RouteServer;
  let firm: { id: string; slug: string };

  const submission = (fields: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    fields: { name: 'Dana Reyes', email: 'Dana.Reyes@Example.com', message: 'I was hurt in a car accident.', ...fields },
    consent: true,
    page: 'https://alder-finch.example/contact',
    ...extra,
  });
  // Each request from its own loopback address, so that only the flood test meets the rate limit.
  let address = 10;
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    http.post(path, body, headers, `127.0.0.${address++}`);
  const refused = (send: () => Promise<Response>, status: number, mention: RegExp) =>
    expectRefused(() => rowCounts(t.db, TABLES), send, status, mention);

  before(async () => {
    t = await freshDatabase();
    p = testPlatform(t);
    firm = await t.entities.workspaces.create({ slug: 'firm', name: 'Alder & Finch' });
    const other = await t.entities.workspaces.create({ slug: 'other', name: 'Other' });
    await p.marketplace.registry.registerBundled();
    await p.marketplace.lifecycle.install('contact-forms', undefined, actor);
    for (const ws of [firm, other]) {
      await p.marketplace.lifecycle.enable('contact-forms', ws.slug, undefined, actor);
      await p.runtime.run('contact-forms', { workspaceId: ws.id }, (ctx) => ctx.models.contact_forms.create(INTAKE));
    }
    await p.runtime.run('contact-forms', { workspaceId: firm.id }, (ctx) =>
      ctx.models.contact_forms.create({ ...INTAKE, slug: 'retired', active: false }),
    );
    http = await routeServer(t, p);
  });
  after(async () => {
    http?.close();
    await t.drop();
  });

  it('keeps a submission with its consent, makes a contact through the shell, and emits submission_received', async () => {
    const res = await post('/m/contact-forms/firm/intake', submission({ phone: '+1 415 555 0100' }));
    assert.equal(res.status, 201, await res.clone().text());
    assert.deepEqual(Object.keys((await res.json()) as object), ['received', 'message'], 'no contact id is shown to the public');
    const contact = await t.entities.contacts.findByIdentity(firm.id, 'email', 'dana.reyes@example.com');
    assert.ok(contact, 'the contact exists, by its normalized email');
    assert.equal(contact.name, 'Dana Reyes');
    assert.deepEqual(contact.phones, ['+14155550100']);
    assert.deepEqual(
      contact.provenance.map((t) => [t.module, t.channel, t.ref]),
      [['contact-forms', 'web-form', 'intake']],
    );
    assert.equal(contact.consent.email.status, 'granted');
    assert.equal(contact.consent.email.source, 'contact-forms:intake https://alder-finch.example/contact');
    const [kept] = await t.db.unit({ role: 'connection' }, () =>
      t.db.rows<{ contact_id: string; data: { message: string }; consent: { given: boolean; text: string; at: string } }>(
        'SELECT contact_id, data, consent FROM mod_contact_forms.contact_submissions WHERE workspace_id = $1',
        [firm.id],
      ),
    );
    assert.equal(kept.contact_id, contact.id);
    assert.equal(kept.data.message, 'I was hurt in a car accident.');
    assert.deepEqual([kept.consent.given, kept.consent.text], [true, INTAKE.consent_text]);
    assert.ok(Math.abs(Date.parse(kept.consent.at) - Date.now()) < 60_000);
    const events = await new EventOperations(t.db).list({ workspace: 'firm', name: 'contact_forms.submission_received' });
    assert.equal(events.length, 1);
    assert.equal(events[0].contactId, contact.id);
    assert.equal((events[0].payload as { text: string }).text, 'I was hurt in a car accident.');
  });

  it('a second submission by the same person (email in another case) enriches the same contact', async () => {
    const res = await post(
      '/m/contact-forms/firm/intake',
      submission({ email: 'DANA.REYES@example.COM', message: 'Following up.' }),
    );
    assert.equal(res.status, 201);
    const shown = await t.db.app(firm.id, () => t.db.rows<{ n: string }>('SELECT count(*) AS n FROM contacts'));
    assert.equal(Number(shown[0].n), 1);
  });

  it("refuses what the form's own schema or consent does not allow, naming the field, and writes nothing", async () => {
    await refused(
      () => post('/m/contact-forms/firm/intake', submission({ email: 'not-an-email' })),
      400,
      /fields\/email: must match format "email"/,
    );
    await refused(
      () => post('/m/contact-forms/firm/intake', submission({ message: 'Hi' })),
      400,
      /fields\/message: must NOT have fewer than 5/,
    );
    await refused(
      () => post('/m/contact-forms/firm/intake', submission({ colour: 'red' })),
      400,
      /fields: must NOT have additional properties \("colour"\)/,
    );
    await refused(
      () => post('/m/contact-forms/firm/intake', submission({}, { consent: false })),
      400,
      /consent: this form needs consent/,
    );
    await refused(
      () => post('/m/contact-forms/firm/intake', { fields: {}, extra: 1 }),
      400,
      /body: must NOT have additional properties \("extra"\)/,
    );
    await refused(() => post('/m/contact-forms/firm/intake', 'name=Dana', { 'content-type': 'text/plain' }), 415, /must be JSON/);
  });

  it('refuses unknown and retired forms and unknown workspaces with 404', async () => {
    await refused(() => post('/m/contact-forms/firm/nope', submission({})), 404, /no active form "nope"/);
    await refused(() => post('/m/contact-forms/firm/retired', submission({})), 404, /no active form "retired"/);
    await refused(() => post('/m/contact-forms/nowhere/intake', submission({})), 404, /not available in workspace "nowhere"/);
  });

  it('drops a submission whose honeypot is filled, answering as to a person', async () => {
    const before = await rowCounts(t.db, TABLES);
    const person = await post('/m/contact-forms/firm/intake', submission({ email: 'real@example.com' }));
    const afterPerson = await rowCounts(t.db, TABLES);
    const bot = await post(
      '/m/contact-forms/firm/intake',
      submission({ email: 'bot@example.com' }, { website: 'http://spam.example' }),
    );
    assert.deepEqual([bot.status, await bot.json()], [person.status, await person.json()], 'the bot cannot tell');
    assert.notDeepEqual(afterPerson, before);
    assert.deepEqual(await rowCounts(t.db, TABLES), afterPerson, "the bot's submission left nothing");
  });

  it('refuses a flood from one address past five a minute per form', async () => {
    let status = 0;
    for (let i = 0; i < 6 && status !== 429; i++) {
      status = (await http.post('/m/contact-forms/other/intake', submission({ email: `flood${i}@example.com` }), {}, '127.0.1.1'))
        .status;
    }
    assert.equal(status, 429);
    await refused(
      () => http.post('/m/contact-forms/other/intake', submission({ email: 'late@example.com' }), {}, '127.0.1.1'),
      429,
      /at most 5 per 60 s/,
    );
  });

  it('lets an admin define a form in the admin, its fields as JSON Schema text, and refuses text that is not JSON', async () => {
    await t.entities.users.create({ email: 'owner@firm.test', password: 'correct horse battery' });
    await t.entities.users.grant({ email: 'owner@firm.test', workspace: 'firm', role: 'owner' });
    const { server, base } = await serveLocally(adminApp(t, p));
    try {
      const admin = new AdminClient(base);
      assert.equal(
        (await admin.post('/admin/login', { email: 'owner@firm.test', password: 'correct horse battery' })).status,
        303,
      );
      const fields = { type: 'object', required: ['email'], properties: { email: { type: 'string', format: 'email' } } };
      const NEW = '/admin/api/resources/contact-forms.contact_forms/actions/new';
      const broken = (await (
        await admin.post(NEW, { slug: 'broken', name: 'Broken', active: 'true', fields: '{"type": ' })
      ).json()) as {
        record: { errors: Record<string, { message: string }> };
      };
      assert.match(broken.record.errors.fields.message, /is not valid JSON/);
      const made = await admin.post(NEW, {
        slug: 'newsletter',
        name: 'Newsletter',
        active: 'true',
        fields: JSON.stringify(fields),
      });
      const record = ((await made.json()) as { record: { id: string; params: { fields: string } } }).record;
      assert.deepEqual(JSON.parse(record.params.fields), fields, 'shown as the JSON text it was given');
      const shown = await admin.json(`/admin/api/resources/contact-forms.contact_forms/records/${record.id}/show`);
      assert.deepEqual(JSON.parse(shown.body.record.params.fields), fields);
      const res = await post('/m/contact-forms/firm/newsletter', { fields: { email: 'reader@example.com' } });
      assert.equal(res.status, 201, 'the form works at once');
      const refusedEmail = await post('/m/contact-forms/firm/newsletter', { fields: { email: 'nope' } });
      assert.equal(refusedEmail.status, 400, "and checks submissions against the admin's schema");
    } finally {
      server.close();
    }
  });
});
