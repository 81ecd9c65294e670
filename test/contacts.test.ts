import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { NotFoundError, ValidationError } from '../platform/errors/index.js';
import { onServer, rowCounts, uniqueSlug, type TestDatabase } from './support/database.js';
import { sharedDatabase } from './support/shared.js';

describe(`contacts: upsert by identity (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let workspaceId: string;

  before(async () => {
    t = await sharedDatabase();
    workspaceId = (await t.entities.workspaces.create({ slug: uniqueSlug('contacts'), name: 'Contacts test' })).id;
  });

  it('creates a contact with normalized email and E.164 phone, provenance, consent and a metadata pointer', async () => {
    const { contact, created } = await t.entities.contacts.upsert(workspaceId, {
      name: 'Ada Lovelace',
      emails: ['  Ada@Example.COM '],
      phones: ['+44 20 7946 0958'],
      source: { module: 'contact-forms', channel: 'web', ref: 'sub-1' },
      consent: { email: { status: 'granted' } },
    });
    assert.equal(created, true);
    assert.deepEqual(contact.emails, ['ada@example.com']);
    assert.deepEqual(contact.phones, ['+442079460958']);
    assert.equal(contact.provenance.length, 1);
    assert.equal(contact.provenance[0].module, 'contact-forms');
    assert.equal(contact.consent.email.status, 'granted');
    assert.equal(contact.consent.email.source, 'contact-forms');
    assert.ok(!Number.isNaN(Date.parse(contact.consent.email.at)));
    assert.deepEqual(contact.metadata, { 'contact-forms': 'sub-1' });
    assert.equal(contact.qualificationStatus, 'new');
  });

  it('never turns a withdrawn or denied consent back into granted by a capture, but records a withdrawal', async () => {
    const capture = (consent: Record<string, { status: 'granted' | 'denied' | 'withdrawn' }>) =>
      t.entities.contacts.upsert(workspaceId, { emails: ['optout@example.com'], source: { module: 'contact-forms' }, consent });
    await capture({ email: { status: 'granted' }, sms: { status: 'denied' } });
    assert.equal((await capture({ email: { status: 'withdrawn' } })).contact.consent.email.status, 'withdrawn');
    const again = (await capture({ email: { status: 'granted' }, sms: { status: 'granted' }, phone: { status: 'granted' } }))
      .contact;
    assert.deepEqual(
      [again.consent.email.status, again.consent.sms.status, again.consent.phone.status],
      ['withdrawn', 'denied', 'granted'],
      'a form anyone can fill re-grants nothing the person withdrew or denied',
    );
  });

  it('converges a second capture of the same email (other case) on the same contact and appends provenance', async () => {
    const first = await t.entities.contacts.upsert(workspaceId, { emails: ['grace@navy.example'], source: { module: 'chat' } });
    const second = await t.entities.contacts.upsert(workspaceId, {
      name: 'Grace Hopper',
      emails: ['GRACE@Navy.Example'],
      phones: ['+1 415 555 2671'],
      source: { module: 'voice', channel: 'inbound', ref: 'call-9' },
    });
    assert.equal(second.created, false);
    assert.equal(second.contact.id, first.contact.id);
    assert.deepEqual(second.contact.phones, ['+14155552671']);
    assert.equal(second.contact.name, 'Grace Hopper');
    assert.deepEqual(
      second.contact.provenance.map((p) => p.module),
      ['chat', 'voice'],
    );
    assert.deepEqual(second.contact.metadata, { voice: 'call-9' });
    const byPhone = await t.entities.contacts.findByIdentity(workspaceId, 'phone', '+14155552671');
    assert.equal(byPhone?.id, first.contact.id);
  });

  it('keeps a name that is already set and keeps the same email apart in another workspace', async () => {
    const other = (await t.entities.workspaces.create({ slug: uniqueSlug('contacts-other'), name: 'Other' })).id;
    const a = await t.entities.contacts.upsert(workspaceId, {
      name: 'Kept',
      emails: ['same@person.example'],
      source: { module: 'chat' },
    });
    const again = await t.entities.contacts.upsert(workspaceId, {
      name: 'Replaced?',
      emails: ['same@person.example'],
      source: { module: 'chat' },
    });
    assert.equal(again.contact.name, 'Kept');
    const b = await t.entities.contacts.upsert(other, { emails: ['same@person.example'], source: { module: 'chat' } });
    assert.equal(b.created, true);
    assert.notEqual(b.contact.id, a.contact.id);
  });

  it('50 concurrent upserts of one person (mixed case, some with a phone) end as one contact carrying the phone', async () => {
    const ws = (await t.entities.workspaces.create({ slug: uniqueSlug('race'), name: 'Race' })).id;
    const cases = ['Lin@Race.Example', 'lin@race.example', 'LIN@RACE.EXAMPLE', ' lin@Race.example'];
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        t.entities.contacts.upsert(ws, {
          emails: [cases[i % cases.length]],
          phones: i % 5 === 0 ? ['+1 (202) 555-0143'] : [],
          source: { module: 'chat', ref: `m-${i}` },
        }),
      ),
    );
    assert.equal(await t.entities.contacts.count(ws), 1);
    assert.equal(new Set(results.map((r) => r.contact.id)).size, 1);
    assert.equal(results.filter((r) => r.created).length, 1);
    const contact = await t.entities.contacts.get(ws, results[0].contact.id);
    assert.deepEqual(contact.emails, ['lin@race.example']);
    assert.deepEqual(contact.phones, ['+12025550143']);
    assert.equal(contact.provenance.length, 50);
    assert.deepEqual(await t.entities.contacts.mergeCandidates(ws), []);
  });

  it('records a merge candidate when the email matches one contact and the phone another, and merges nothing', async () => {
    const ws = (await t.entities.workspaces.create({ slug: uniqueSlug('merge'), name: 'Merge' })).id;
    const byEmail = await t.entities.contacts.upsert(ws, { emails: ['sam@merge.example'], source: { module: 'chat' } });
    const byPhone = await t.entities.contacts.upsert(ws, { phones: ['+1 312 555 0100'], source: { module: 'voice' } });
    const both = await t.entities.contacts.upsert(ws, {
      emails: ['sam@merge.example'],
      phones: ['+1 312 555 0100'],
      source: { module: 'contact-forms' },
    });
    assert.equal(both.contact.id, byEmail.contact.id);
    assert.deepEqual(both.mergeCandidates, [byPhone.contact.id]);
    assert.equal(await t.entities.contacts.count(ws), 2);
    assert.deepEqual(both.contact.phones, [], 'the phone stays with the contact that owns it');
    const candidates = await t.entities.contacts.mergeCandidates(ws);
    assert.equal(candidates.length, 1);
    assert.deepEqual(
      new Set([candidates[0].contactId, candidates[0].otherContactId]),
      new Set([byEmail.contact.id, byPhone.contact.id]),
    );
    const phoneOwner = await t.entities.contacts.findByIdentity(ws, 'phone', '+13125550100');
    assert.equal(phoneOwner?.id, byPhone.contact.id);
  });

  it('imports a batch with the same outcome as one-by-one upserts', async () => {
    const ws = (await t.entities.workspaces.create({ slug: uniqueSlug('import'), name: 'Import' })).id;
    await t.entities.contacts.upsert(ws, { emails: ['known@import.example'], source: { module: 'chat' } });
    const result = await t.entities.contacts.importMany(ws, [
      { emails: ['new1@import.example'], source: { module: 'plinth', channel: 'import' } },
      { emails: ['KNOWN@import.example'], phones: ['+1 617 555 0199'], source: { module: 'plinth', channel: 'import' } },
      { emails: ['twice@import.example'], source: { module: 'plinth', channel: 'import' } },
      { emails: ['twice@import.example'], name: 'Twice', source: { module: 'plinth', channel: 'import' } },
    ]);
    assert.deepEqual(result, { created: 2, updated: 2 });
    assert.equal(await t.entities.contacts.count(ws), 3);
    const known = await t.entities.contacts.findByIdentity(ws, 'email', 'known@import.example');
    assert.deepEqual(known?.phones, ['+16175550199']);
    const twice = await t.entities.contacts.findByIdentity(ws, 'email', 'twice@import.example');
    assert.equal(twice?.name, 'Twice');
    assert.equal(twice?.provenance.length, 2);
  });

  describe('bad input is refused with a message naming it, and nothing is written', () => {
    const refusals: [string, () => Record<string, unknown>, RegExp][] = [
      [
        'a malformed email',
        () => ({ emails: ['not-an-email'], source: { module: 'chat' } }),
        /^emails\[0\]: "not-an-email" is not an email address/,
      ],
      [
        'a malformed phone',
        () => ({ emails: ['ok@x.example'], phones: ['12ab'], source: { module: 'chat' } }),
        /^phones\[0\]: "12ab" is not a valid phone number/,
      ],
      [
        'no email nor phone',
        () => ({ name: 'Nobody', source: { module: 'chat' } }),
        /^emails: a contact needs at least one email or phone/,
      ],
      [
        'a bad module id in the source',
        () => ({ emails: ['a@b.example'], source: { module: 'Chat!' } }),
        /^source\.module: "Chat!" is not a module id/,
      ],
      [
        'a lead score out of range',
        () => ({ emails: ['a@b.example'], leadScore: 101, source: { module: 'chat' } }),
        /^leadScore: 101 is not an integer from 0 to 100/,
      ],
      [
        'an unknown consent status',
        () => ({ emails: ['a@b.example'], consent: { sms: { status: 'maybe' } }, source: { module: 'chat' } }),
        /^consent\.sms\.status: must be one of/,
      ],
    ];
    for (const [what, input, message] of refusals) {
      it(`refuses ${what}`, async () => {
        const before = await rowCounts(t.db);
        await assert.rejects(t.entities.contacts.upsert(workspaceId, input() as never), (err: Error) => {
          assert.ok(err instanceof ValidationError, `${err.name}: ${err.message}`);
          assert.match(err.message, message);
          return true;
        });
        assert.deepEqual(await rowCounts(t.db), before);
      });
    }

    it('refuses a contact in a workspace that does not exist', async () => {
      const missing = randomUUID();
      const before = await rowCounts(t.db);
      await assert.rejects(
        t.entities.contacts.upsert(missing, { emails: ['ghost@x.example'], source: { module: 'chat' } }),
        (err: Error) => err instanceof NotFoundError && err.message === `workspace "${missing}" not found`,
      );
      assert.deepEqual(await rowCounts(t.db), before);
    });

    it('refuses a whole import batch naming the bad entry, and writes none of it', async () => {
      const before = await rowCounts(t.db);
      await assert.rejects(
        t.entities.contacts.importMany(workspaceId, [
          { emails: ['fine@batch.example'], source: { module: 'plinth' } },
          { emails: ['broken@'], source: { module: 'plinth' } },
        ]),
        (err: Error) =>
          err instanceof ValidationError && /^\[1\]\.emails\[0\]: "broken@" is not an email address/.test(err.message),
      );
      assert.deepEqual(await rowCounts(t.db), before);
    });
  });
});
