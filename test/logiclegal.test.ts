import assert from 'node:assert/strict';
import { EventOperations } from '../platform/events/index.js';
import { LifecycleError } from '../platform/registry/index.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { routeServer, subscribe, type RouteServer } from './support/modules.js';
import { actor, testPlatform, type TestPlatform } from './support/platform.js';

const FORM = {
  slug: 'intake',
  name: 'Intake',
  active: true,
  fields: {
    type: 'object',
    required: ['email', 'message'],
    properties: { name: { type: 'string' }, email: { type: 'string' }, phone: { type: 'string' }, message: { type: 'string' } },
  },
};

interface Assessment {
  contactId: string;
  score: number;
  threshold: number;
  practiceArea?: string;
  jurisdiction?: string;
  reasons: string[];
  source: { event: string; eventId: string };
}

/** LogicLegal qualifies leads other modules capture, from their events alone, with rules set per workspace. */
describe(`the LogicLegal module (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let p: TestPlatform;
  let http: RouteServer;
  let firm: { id: string; slug: string };
  let address = 10;

  const submit = async (email: string, message: string, phone?: string) => {
    const res = await http.post(
      '/m/contact-forms/firm/intake',
      { fields: { email, message, phone } },
      {},
      `127.0.0.${address++}`,
    );
    assert.equal(res.status, 201, await res.clone().text());
    await p.dispatcher().drain();
    return (await t.entities.contacts.findByIdentity(firm.id, 'email', email))!;
  };
  const outcomes = async (contactId: string) =>
    (await new EventOperations(t.db).list({ contactId }))
      .filter((e) => e.name.startsWith('logiclegal.'))
      .reverse()
      .map((e) => ({ name: e.name, payload: e.payload as unknown as Assessment }));

  before(async () => {
    t = await freshDatabase();
    p = testPlatform(t);
    firm = await t.entities.workspaces.create({ slug: 'firm', name: 'Alder & Finch' });
    await p.marketplace.registry.registerBundled();
    for (const id of ['contact-forms', 'logiclegal']) await p.marketplace.lifecycle.install(id, undefined, actor);
    await p.marketplace.lifecycle.enable('contact-forms', 'firm', undefined, actor);
    await p.runtime.run('contact-forms', { workspaceId: firm.id }, (ctx) => ctx.models.contact_forms.create(FORM));
    http = await routeServer(t, p);
  });
  after(async () => {
    http?.close();
    await t.drop();
  });

  it('is a paid module: enabling it needs a subscription that covers it', async () => {
    await assert.rejects(
      p.marketplace.lifecycle.enable('logiclegal', 'firm', undefined, actor),
      (err: Error) => err instanceof LifecycleError && /needs an active subscription covering "logiclegal"/.test(err.message),
    );
    await subscribe(t, firm.id, ['logiclegal']);
    await p.marketplace.lifecycle.enable('logiclegal', 'firm', { jurisdictions: ['California', 'Nevada'] }, actor);
  });

  it("qualifies a form's lead from its event: the contact's status and score change, the outcome names its reasons", async () => {
    const contact = await submit(
      'dana@example.com',
      'Car accident in Oakland, California; I was taken to hospital.',
      '+14155550100',
    );
    assert.equal(contact.qualificationStatus, 'qualified');
    assert.equal(contact.leadScore, 90);
    assert.ok(contact.provenance.some((t) => t.module === 'logiclegal' && t.channel === 'assessment'));
    const [outcome] = await outcomes(contact.id);
    assert.equal(outcome.name, 'logiclegal.prospect_qualified');
    const payload = outcome.payload;
    assert.deepEqual(
      [payload.score, payload.threshold, payload.practiceArea, payload.jurisdiction],
      [90, 60, 'Personal injury', 'California'],
    );
    assert.equal(payload.source.event, 'contact_forms.submission_received');
    assert.ok(payload.reasons.includes('reachable by email and phone'), payload.reasons.join('; '));
  });

  it('rejects a lead outside the rules with its reasons, and qualifies it once more evidence arrives', async () => {
    const first = await submit('sam@example.com', 'A question about a car accident.');
    assert.equal(first.qualificationStatus, 'disqualified');
    const [rejected] = await outcomes(first.id);
    assert.equal(rejected.name, 'logiclegal.prospect_rejected');
    assert.ok(rejected.payload.reasons.includes('no jurisdiction the firm serves mentioned (California, Nevada)'));

    const again = await submit('sam@example.com', 'It happened in Reno, Nevada.');
    assert.equal(again.qualificationStatus, 'qualified', 'the evidence adds up across submissions');
    assert.deepEqual(
      (await outcomes(first.id)).map((e) => e.name),
      ['logiclegal.prospect_rejected', 'logiclegal.prospect_qualified'],
    );
    await submit('sam@example.com', 'Nothing new to add.');
    assert.equal((await outcomes(first.id)).length, 2, 'an unchanged outcome emits nothing');
  });

  it("follows the workspace's settings, and reads nothing but events and the shell's contacts", async () => {
    await p.marketplace.lifecycle.enable('logiclegal', 'firm', { rejectKeywords: ['job application'] }, actor);
    const applicant = await submit('jo@example.com', 'Job application: I handled accident claims in California.');
    assert.equal(applicant.qualificationStatus, 'disqualified');
    const [outcome] = await outcomes(applicant.id);
    assert.match(outcome.payload.reasons.at(-1)!, /ruled out: mentions "job application"/);
    const [grant] = await t.db.unit({ role: 'connection' }, () =>
      t.db.rows<{ has: boolean }>("SELECT has_schema_privilege($1, 'mod_contact_forms', 'USAGE') AS has", [
        `${t.db.roles.prefix}mod_logiclegal`,
      ]),
    );
    assert.equal(grant.has, false, "LogicLegal's role cannot reach Contact Forms' tables");
  });

  it("never lets an anonymous form rule out a qualified client on its own: anyone can type a client's email", async () => {
    const dana = await submit('dana@example.com', 'Job application: please consider me.');
    assert.equal(dana.qualificationStatus, 'qualified');
    assert.deepEqual(
      (await outcomes(dana.id)).map((e) => e.name),
      ['logiclegal.prospect_qualified'],
      'no rejection was emitted',
    );
    const [prospect] = await p.runtime.run('logiclegal', { workspaceId: firm.id }, (ctx) =>
      ctx.query<{ status: string; reasons: string[]; evidence: string }>(
        'SELECT status, reasons, evidence FROM legal_prospects WHERE contact_id = $1',
        [dana.id],
      ),
    );
    assert.equal(prospect.status, 'qualified');
    assert.ok(
      prospect.reasons.includes(
        'not ruled out by "job application": only an unverified channel said it, and the contact is qualified',
      ),
      prospect.reasons.join('; '),
    );
    assert.match(prospect.evidence, /^\[web form\] Job application: please consider me\.$/m, 'evidence is kept per source');
  });
});
