import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { Contact } from '../platform/entities/index.js';
import { RouteSecrets, sign } from '../platform/routes/index.js';
import { AdminClient, adminApp, serveLocally } from './support/admin.js';
import { envFor, plinth } from './support/cli.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { routeServer, subscribe, type RouteServer } from './support/modules.js';
import { actor, testPlatform, type TestPlatform } from './support/platform.js';

const PASSWORD = 'correct horse battery';

/**
 * One contact, end to end, through the modules' public endpoints: a form submission creates
 * it, a chat message with the same email (another case) enriches it, a signed call from the same
 * phone (written another way) is logged against it, LogicLegal qualifies it from their events,
 * and its timeline shows all of it in order.
 */
describe(`one contact across all five modules (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let p: TestPlatform;
  let routes: RouteServer;
  let admin: Server;
  let owner: AdminClient;
  let firm: { id: string; slug: string };
  let secret: string;
  let contact: Contact;

  const onlyContact = async (): Promise<Contact> => {
    const rows = await t.db.app(firm.id, () => t.db.rows<{ id: string }>('SELECT id FROM contacts'));
    assert.equal(rows.length, 1, 'every step found the same contact');
    return t.entities.contacts.get(firm.id, rows[0].id);
  };

  before(async () => {
    t = await freshDatabase();
    p = testPlatform(t);
    firm = await t.entities.workspaces.create({ slug: 'alder-finch', name: 'Alder & Finch Law' });
    await subscribe(t, firm.id, ['voice', 'logiclegal']);
    await p.marketplace.registry.registerBundled();
    const settings: Record<string, object> = {
      voice: { defaultCountry: 'US' },
      chat: { defaultCountry: 'US' },
      logiclegal: { jurisdictions: ['California'] },
    };
    for (const id of ['knowledge', 'contact-forms', 'chat', 'voice', 'logiclegal']) {
      await p.marketplace.lifecycle.install(id, undefined, actor);
      await p.marketplace.lifecycle.enable(id, firm.slug, settings[id], actor);
    }
    await p.runtime.run('contact-forms', { workspaceId: firm.id }, (ctx) =>
      ctx.models.contact_forms.create({
        slug: 'consultation',
        name: 'Free consultation',
        active: true,
        consent_text: 'Alder & Finch may contact me about my enquiry.',
        fields: {
          type: 'object',
          required: ['name', 'email', 'phone', 'message'],
          properties: {
            name: { type: 'string' },
            email: { type: 'string', format: 'email' },
            phone: { type: 'string' },
            message: { type: 'string' },
          },
        },
      }),
    );
    await p.runtime.run('knowledge', { workspaceId: firm.id }, (ctx) =>
      ctx.models.kb_entries.create({
        title: 'Car accidents',
        body: 'After a car accident in California you generally have two years to file a personal injury claim.',
        published: true,
      }),
    );
    secret = await new RouteSecrets(t.db, t.entities, p.marketplace.registry).issue('voice', firm.slug);
    routes = await routeServer(t, p);
    await t.entities.users.create({ email: 'partner@alder-finch.test', password: PASSWORD });
    await t.entities.users.grant({ email: 'partner@alder-finch.test', workspace: firm.slug, role: 'owner' });
    ({ server: admin } = await serveLocally(adminApp(t, p)));
    owner = new AdminClient(`http://127.0.0.1:${(admin.address() as { port: number }).port}`);
    assert.equal((await owner.post('/admin/login', { email: 'partner@alder-finch.test', password: PASSWORD })).status, 303);
  });
  after(async () => {
    routes?.close();
    admin?.close();
    await t.drop();
  });

  it('1. a form submission creates the contact', async () => {
    const res = await routes.post('/m/contact-forms/alder-finch/consultation', {
      fields: {
        name: 'Dana Reyes',
        email: 'Dana.Reyes@Example.com',
        phone: '+1 (415) 555-0100',
        message: 'I was injured in a car accident.',
      },
      consent: true,
      page: 'https://alder-finch.example/contact',
    });
    assert.equal(res.status, 201, await res.clone().text());
    await p.dispatcher().drain();
    contact = await onlyContact();
    assert.deepEqual([contact.emails, contact.phones], [['dana.reyes@example.com'], ['+14155550100']]);
    assert.equal(contact.qualificationStatus, 'disqualified', 'no jurisdiction the firm serves yet');
  });

  it('2. a chat message with the same email in another case enriches the same contact', async () => {
    const started = await routes.post('/m/chat/alder-finch/conversations', { name: 'Dana' });
    const { conversationId, token } = (await started.json()) as { conversationId: string; token: string };
    assert.equal(started.status, 201);
    const res = await routes.post(`/m/chat/alder-finch/conversations/${conversationId}/messages`, {
      token,
      text: 'It was in Oakland, California. Reach me at DANA.REYES@example.COM please.',
    });
    assert.equal(res.status, 201, await res.clone().text());
    await p.dispatcher().drain();
    const enriched = await onlyContact();
    assert.deepEqual(
      enriched.provenance.map((touch) => touch.module).filter((m) => m !== 'logiclegal'),
      ['contact-forms', 'chat'],
    );
    assert.equal(enriched.qualificationStatus, 'qualified', 'the jurisdiction came by chat');
  });

  it('3. a signed call from the same phone, written another way, is logged against it', async () => {
    const body = JSON.stringify({
      event: 'call.completed',
      callId: 'CA-scenario-1',
      from: '(415) 555-0100',
      to: '+14155550199',
      durationSeconds: 312,
      transcript: 'I was taken to hospital after the accident and the insurance company keeps calling me.',
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const res = await routes.post('/m/voice/alder-finch/calls', body, {
      'x-plinth-timestamp': timestamp,
      'x-plinth-signature': sign(secret, timestamp, body),
    });
    assert.equal(res.status, 202, await res.clone().text());
    assert.equal(((await res.json()) as { contactId: string }).contactId, contact.id);
    await p.dispatcher().drain();
  });

  it('4. LogicLegal qualifies it, and the timeline lists all of it in order', async () => {
    const final = await onlyContact();
    assert.equal(final.qualificationStatus, 'qualified');
    assert.equal(final.leadScore, 100, 'practice area, jurisdiction, two pressing keywords, reachable');
    const timeline = await owner.json(`/admin/studio/api/contacts/${contact.id}/timeline`);
    assert.equal(timeline.status, 200);
    assert.deepEqual(
      (timeline.body.events as { name: string }[]).map((e) => e.name),
      [
        'contact_forms.submission_received',
        'logiclegal.prospect_rejected',
        'chat.lead_captured',
        'chat.message_received',
        'logiclegal.prospect_qualified',
        'voice.call_completed',
      ],
    );
  });

  it('5. no module could read another module’s tables: doctor --grants flags nothing', async () => {
    const run = await plinth(['doctor', '--grants'], envFor(t.config));
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.doesNotMatch(run.stdout, /!!/);
    for (const schema of ['mod_contact_forms', 'mod_chat', 'mod_voice', 'mod_knowledge']) {
      assert.match(run.stdout, new RegExp(`USAGE on schema ${schema}`), `${schema}'s own role is listed`);
    }
    const [reach] = await t.db.unit({ role: 'connection' }, () =>
      t.db.rows<{ n: string }>(
        `SELECT count(*) AS n FROM pg_roles r CROSS JOIN pg_namespace s
          WHERE starts_with(r.rolname, $1 || 'mod_') AND s.nspname LIKE 'mod\\_%'
            AND substr(r.rolname, length($1) + 1) NOT IN (s.nspname, s.nspname || '_owner')
            AND has_schema_privilege(r.rolname, s.nspname, 'USAGE')`,
        [t.db.roles.prefix],
      ),
    );
    assert.equal(Number(reach.n), 0, "no module role can use another module's schema");
  });
});
