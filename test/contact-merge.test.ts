import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import type { Contact } from '../platform/entities/index.js';
import { AdminClient, adminApp, serveLocally } from './support/admin.js';
import { ARTIFACTS, launchChromium, signedInPage, skipWithoutChromium } from './support/browser.js';
import { freshDatabase, onServer, rowCounts, type TestDatabase } from './support/database.js';
import { routeServer, type RouteServer } from './support/modules.js';
import { actor, testPlatform, type TestPlatform } from './support/platform.js';
import { pluginDir } from './support/plugins.js';

const PASSWORD = 'a long enough test password';
const API = '/admin/studio/api';

const FORM = {
  slug: 'intake',
  name: 'Intake',
  active: true,
  consent_text: 'You may contact me about my enquiry.',
  fields: {
    type: 'object',
    properties: { name: { type: 'string' }, email: { type: 'string' }, phone: { type: 'string' }, message: { type: 'string' } },
  },
};

/**
 * Two records of one person become one when an admin says so, and only then (decision 0027): a
 * stranger at a known number is a contact of their own and a merge candidate; the merge action
 * moves identities, consent, provenance, every module's rows and the timeline to the contact kept.
 */
describe(`merging contacts (${onServer ? 'server' : 'embedded'} database)`, function () {
  let t: TestDatabase;
  let p: TestPlatform;
  let routes: RouteServer;
  let server: Server;
  let base: string;
  let owner: AdminClient;
  let member: AdminClient;
  let firm: { id: string; slug: string };
  let elsewhere: { id: string; slug: string };
  let address = 20;

  /** Module tables whose rows prove a refused merge wrote nothing, beside the shell's. */
  const MODULE_TABLES = ['mod_contact_forms.contact_submissions', 'mod_casefiles.notes', 'mod_casefiles.cards'];
  const counts = async () => ({ ...(await rowCounts(t.db)), ...(await rowCounts(t.db, MODULE_TABLES)) });

  const submit = async (fields: Record<string, string>) => {
    const res = await routes.post(`/m/contact-forms/${firm.slug}/intake`, { fields, consent: true }, {}, `127.0.0.${address++}`);
    assert.equal(res.status, 201, await res.clone().text());
  };
  const byEmail = async (email: string): Promise<Contact> => (await t.entities.contacts.findByIdentity(firm.id, 'email', email))!;
  const rowsOf = (module: string, sql: string, bind: unknown[] = []) =>
    p.runtime.run(module, { workspaceId: firm.id }, (ctx) => ctx.query<Record<string, string>>(sql, bind));
  const addNote = (contactId: string, title: string) =>
    rowsOf('casefiles', 'INSERT INTO notes (workspace_id, title, contact_id) VALUES ($1, $2, $3)', [firm.id, title, contactId]);
  const addCard = (contactId: string, summary: string) =>
    rowsOf('casefiles', 'INSERT INTO cards (workspace_id, summary, contact_id) VALUES ($1, $2, $3)', [
      firm.id,
      summary,
      contactId,
    ]);
  const signIn = async (email: string) => {
    const client = new AdminClient(base);
    assert.equal((await client.post('/admin/login', { email, password: PASSWORD })).status, 303);
    return client;
  };

  before(async () => {
    t = await freshDatabase();
    p = testPlatform(t);
    firm = await t.entities.workspaces.create({ slug: 'firm', name: 'Alder & Finch' });
    elsewhere = await t.entities.workspaces.create({ slug: 'elsewhere', name: 'Elsewhere' });
    await p.marketplace.registry.registerBundled();
    await p.marketplace.lifecycle.install('contact-forms', undefined, actor);
    await p.marketplace.lifecycle.enable('contact-forms', 'firm', undefined, actor);
    await p.runtime.run('contact-forms', { workspaceId: firm.id }, (ctx) => ctx.models.contact_forms.create(FORM));
    // A module that keeps many notes per contact and one case card per contact (a unique index on the contact).
    await p.add(
      pluginDir('casefiles', (m) => {
        m.tables.push({
          name: 'cards',
          label: 'Case cards',
          schema: {
            type: 'object',
            properties: {
              summary: { type: 'string' },
              contact_id: { type: 'string', format: 'uuid', 'x-plinth-references': 'contacts' },
            },
            required: ['summary', 'contact_id'],
          },
          indexes: [{ columns: ['contact_id'], unique: true }],
        });
      }),
      'casefiles',
      ['firm'],
    );
    for (const [email, role] of [
      ['owner@firm.test', 'owner'],
      ['member@firm.test', 'member'],
    ] as const) {
      await t.entities.users.create({ email, password: PASSWORD });
      await t.entities.users.grant({ email, workspace: 'firm', role });
    }
    routes = await routeServer(t, p);
    ({ server, base } = await serveLocally(adminApp(t, p)));
    owner = await signIn('owner@firm.test');
    member = await signIn('member@firm.test');
  });
  after(async () => {
    routes?.close();
    server?.close();
    await t?.drop();
  });

  describe('a capture that matches a contact by phone alone', () => {
    it('with another name and a new email is a new contact and a merge candidate, never a second email of the first', async () => {
      await submit({ name: 'Noah Ito', email: 'noah@ito.test', phone: '+1 415 555 0100', message: 'A fall at work.' });
      await submit({ name: 'Rita Gomez', email: 'rita@gomez.test', phone: '+1 (415) 555-0100', message: 'My landlord…' });
      const noah = await byEmail('noah@ito.test');
      const rita = await byEmail('rita@gomez.test');
      assert.notEqual(rita.id, noah.id, 'Rita is not Noah');
      assert.deepEqual(noah.emails, ['noah@ito.test']);
      assert.equal(rita.name, 'Rita Gomez');
      assert.deepEqual(rita.phones, [], 'the number stays with the contact that holds it');
      const candidates = await t.entities.contacts.mergeCandidates(firm.id);
      assert.deepEqual(
        candidates.map((c) => new Set([c.contactId, c.otherContactId])),
        [new Set([noah.id, rita.id])],
      );
      assert.equal((await t.entities.contacts.findByIdentity(firm.id, 'phone', '+14155550100'))?.id, noah.id);
    });

    it('with the same name (in another case), or no name and no email to contradict, still enriches the contact', async () => {
      const source = { module: 'chat' };
      const { contact: lee } = await t.entities.contacts.upsert(firm.id, {
        name: 'Lee Park',
        emails: ['lee@park.test'],
        phones: ['+1 212 555 0111'],
        source,
      });
      const same = await t.entities.contacts.upsert(firm.id, {
        name: 'lee  PARK',
        emails: ['lee@work.test'],
        phones: ['+12125550111'],
        source,
      });
      assert.equal(same.contact.id, lee.id);
      assert.deepEqual(same.contact.emails, ['lee@park.test', 'lee@work.test']);
      const { contact: voice } = await t.entities.contacts.upsert(firm.id, {
        phones: ['+1 212 555 0122'],
        source: { module: 'voice' },
      });
      const nameless = await t.entities.contacts.upsert(firm.id, { emails: ['caller@x.test'], phones: ['+12125550122'], source });
      assert.equal(nameless.contact.id, voice.id, 'nothing to contradict: the caller gave their email');
      const stranger = await t.entities.contacts.upsert(firm.id, {
        emails: ['someone@else.test'],
        phones: ['+12125550111'],
        source,
      });
      assert.equal(stranger.created, true, 'no name, and Lee already has other emails: someone else');
      assert.deepEqual(stranger.mergeCandidates, [lee.id]);
    });
  });

  describe('the merge action', () => {
    let noah: Contact;
    let rita: Contact;

    before(async () => {
      noah = await byEmail('noah@ito.test');
      rita = await byEmail('rita@gomez.test');
      await t.entities.contacts.upsert(firm.id, {
        emails: ['rita@gomez.test'],
        qualificationStatus: 'qualified',
        leadScore: 80,
        consent: { sms: { status: 'withdrawn' } },
        source: { module: 'logiclegal' },
      });
      await t.entities.contacts.upsert(firm.id, {
        emails: ['noah@ito.test'],
        consent: { sms: { status: 'granted' } },
        source: { module: 'chat' },
      });
      await addNote(noah.id, 'Noah called');
      await addNote(rita.id, 'Rita wrote');
      await addCard(noah.id, "Noah's case");
      await addCard(rita.id, "Rita's case");
    });

    it('is offered to owners and admins only: a member neither sees it nor can merge, and nothing is written', async () => {
      const actions = async (client: AdminClient) =>
        (await client.json(`/admin/api/resources/contacts/records/${noah.id}/show`)).body.record.recordActions.map(
          (a: { name: string }) => a.name,
        ) as string[];
      assert.ok((await actions(owner)).includes('merge'));
      assert.ok(!(await actions(member)).includes('merge'));
      const before = await counts();
      const refused = await member.send('POST', `${API}/contacts/${noah.id}/merge`, { otherId: rita.id, survivorId: noah.id });
      assert.equal(refused.status, 403);
      assert.match(refused.body.error, /only an owner or admin of workspace "firm" may change contacts \(merge\)/);
      assert.equal((await member.json(`${API}/contacts/${noah.id}/merge`)).status, 403);
      assert.deepEqual(await counts(), before);
    });

    it('refuses a contact merged with itself, or with a contact of another workspace, in words, writing nothing', async () => {
      const { contact: foreign } = await t.entities.contacts.upsert(elsewhere.id, {
        name: 'Far Away',
        emails: ['far@away.test'],
        source: { module: 'chat' },
      });
      const before = await counts();
      const self = await owner.send('POST', `${API}/contacts/${noah.id}/merge`, { otherId: noah.id, survivorId: noah.id });
      assert.equal(self.status, 400);
      assert.match(self.body.error, /otherId: a contact cannot be merged with itself/);
      for (const survivorId of [noah.id, foreign.id]) {
        const across = await owner.send('POST', `${API}/contacts/${noah.id}/merge`, { otherId: foreign.id, survivorId });
        assert.equal(across.status, 404, JSON.stringify(across.body));
        assert.match(
          across.body.error,
          new RegExp(`contact \\((otherId|survivorId)\\) in this workspace "${foreign.id}" not found`),
        );
      }
      const neither = await owner.send('POST', `${API}/contacts/${noah.id}/merge`, { otherId: rita.id, survivorId: foreign.id });
      assert.equal(neither.status, 400);
      assert.match(neither.body.error, /survivorId: must be one of the two contacts merged/);
      assert.deepEqual(await counts(), before);
      assert.equal((await t.entities.contacts.get(elsewhere.id, foreign.id)).name, 'Far Away');
    });

    it('offers the open candidates and finds any other contact by name or email', async () => {
      const choices = await owner.json(`${API}/contacts/${noah.id}/merge`);
      assert.equal(choices.status, 200);
      assert.deepEqual(
        choices.body.candidates.map((c: { contact: Contact }) => c.contact.id),
        [rita.id],
      );
      const found = await owner.json(`${API}/contacts/${noah.id}/merge/search?q=GOMEZ.test`);
      assert.deepEqual(
        found.body.contacts.map((c: Contact) => c.name),
        ['Rita Gomez'],
      );
      assert.deepEqual(
        (await owner.json(`${API}/contacts/${noah.id}/merge/search?q=far`)).body.contacts,
        [],
        "another workspace's contact is not found",
      );
      const short = await owner.json(`${API}/contacts/${noah.id}/merge/search?q=a`);
      assert.equal(short.status, 400);
      assert.match(short.body.error, /^q: type at least 2 characters/);
    });

    it("turns two contacts into one: identities, consent and the better status combined, every module's rows and the timeline follow", async () => {
      const timelineOf = async (id: string) =>
        (await owner.json(`${API}/contacts/${id}/timeline`)).body.events.map((e: { name: string }) => e.name);
      const ritasEvents = await timelineOf(rita.id);
      assert.ok(ritasEvents.includes('contact_forms.submission_received'));
      const merged = await owner.send('POST', `${API}/contacts/${rita.id}/merge`, { otherId: noah.id, survivorId: noah.id });
      assert.equal(merged.status, 200, JSON.stringify(merged.body));

      await assert.rejects(t.entities.contacts.get(firm.id, rita.id), /not found/);
      const kept = await t.entities.contacts.get(firm.id, noah.id);
      assert.equal(kept.name, 'Noah Ito');
      assert.deepEqual(kept.emails, ['noah@ito.test', 'rita@gomez.test']);
      assert.deepEqual(kept.phones, ['+14155550100']);
      assert.equal(kept.qualificationStatus, 'qualified', "Rita's was the better status");
      assert.equal(kept.leadScore, 80);
      assert.equal(kept.consent.email.status, 'granted');
      assert.equal(kept.consent.sms.status, 'withdrawn', "Rita's refusal wins over Noah's grant: only she may lift it");
      assert.ok(
        kept.provenance.some((x) => x.module === 'logiclegal'),
        "Rita's provenance came along",
      );
      assert.equal((await byEmail('rita@gomez.test')).id, noah.id, "Rita's email now finds the contact kept");

      const submissions = await rowsOf('contact-forms', 'SELECT contact_id FROM contact_submissions');
      assert.deepEqual(new Set(submissions.map((s) => s.contact_id)), new Set([noah.id]), "Rita's submission follows");
      assert.equal(submissions.length, 2);
      const notes = await rowsOf('casefiles', 'SELECT title, contact_id FROM notes ORDER BY title');
      assert.deepEqual(notes, [
        { title: 'Noah called', contact_id: noah.id },
        { title: 'Rita wrote', contact_id: noah.id },
      ]);
      const cards = await rowsOf('casefiles', 'SELECT summary FROM cards WHERE contact_id = $1', [noah.id]);
      assert.deepEqual(cards, [{ summary: "Noah's case" }], 'one card per contact: the one kept keeps its own');

      const timeline = await timelineOf(noah.id);
      for (const name of ritasEvents) assert.ok(timeline.includes(name), `${name} is on the timeline of the contact kept`);
      assert.equal(timeline.at(-1), 'plinth.contacts_merged');
      const [event] = await t.db.app(firm.id, () =>
        t.db.rows<{ payload: any; actorType: string; actorId: string }>(
          `SELECT payload, actor_type AS "actorType", actor_id AS "actorId" FROM events WHERE name = 'plinth.contacts_merged'`,
        ),
      );
      assert.equal(event.actorType, 'user');
      assert.equal(event.payload.mergedId, rita.id);
      assert.deepEqual(event.payload.merged.emails, ['rita@gomez.test']);
      assert.deepEqual(
        event.payload.dropped.map((d: { row: { summary: string } }) => d.row.summary),
        ["Rita's case"],
        'the card removed is kept in the event',
      );
      assert.ok(event.payload.candidate, 'the candidate that paired them is named');
      assert.deepEqual(
        (await t.entities.contacts.mergeCandidates(firm.id)).filter((c) => [c.contactId, c.otherContactId].includes(rita.id)),
        [],
        'the candidate is closed',
      );
    });
  });

  describe('in Chromium', function () {
    let browser: Browser;
    before(async function () {
      skipWithoutChromium(this);
      browser = await launchChromium();
    });
    after(async () => browser?.close());

    it('picks a flagged contact, asks before merging, and lands on the contact kept', async () => {
      await submit({ name: 'Ann Lee', email: 'ann@lee.test', phone: '+1 646 555 0100', message: 'Question' });
      await submit({ name: 'Bo Chan', email: 'bo@chan.test', phone: '+1 646 555 0100', message: 'Question too' });
      const ann = await byEmail('ann@lee.test');
      const bo = await byEmail('bo@chan.test');
      const page = await signedInPage(browser, base, 'owner@firm.test', PASSWORD);
      await page.goto(`${base}/admin/resources/contacts/records/${ann.id}/merge`);
      await page.waitForSelector('[data-testid=contact-merge]', { timeout: 20_000 });
      await page.locator('[data-testid=other-choice]', { hasText: 'Bo Chan' }).locator('input').check();
      await page.locator('[data-testid=survivor-choice]', { hasText: 'Bo Chan' }).locator('input').check();
      await page.screenshot({ path: path.join(ARTIFACTS, 'contact-merge.png') });
      let asked = '';
      page.once('dialog', (dialog) => {
        asked = dialog.message();
        void dialog.accept();
      });
      await Promise.all([
        page.waitForURL(`${base}/admin/resources/contacts/records/${bo.id}/show`),
        page.click('[data-testid=merge-button]'),
      ]);
      assert.match(asked, /Merge "Ann Lee" into "Bo Chan"\? "Ann Lee" is removed/);
      assert.deepEqual((await t.entities.contacts.get(firm.id, bo.id)).emails, ['bo@chan.test', 'ann@lee.test']);
      await assert.rejects(t.entities.contacts.get(firm.id, ann.id), /not found/);
      await page.waitForSelector('text=ann@lee.test');
      await page.screenshot({ path: path.join(ARTIFACTS, 'contact-merged.png') });
    });
  });
});
