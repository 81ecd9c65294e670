import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { contentsOf, freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { expectRefused, routeServer } from './support/modules.js';
import { actor, testPlatform, type TestPlatform } from './support/platform.js';

interface Reply {
  text: string;
  source?: { entryId: string; title: string };
}
interface Started {
  conversationId: string;
  token: string;
  greeting: string;
  reply?: Reply;
}
interface Posted {
  messageId: string;
  contactId?: string;
  reply: Reply;
}
interface ChatEvent {
  name: string;
  payload: Record<string, string>;
  contactId: string | null;
}

/** The bundled Chat module, installed from plugins/ with Knowledge, talked to over HTTP as a website widget would. */
describe(`the Chat module (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let p: TestPlatform;
  let close: () => void;
  let base: string;
  let law: { id: string; slug: string };
  let dental: { id: string; slug: string };
  let lone: { id: string; slug: string };
  const entryIds: Record<string, string> = {};

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}/m/chat${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const start = async (slug: string, body: object): Promise<Started> => {
    const res = await post(`/${slug}/conversations`, body);
    const answer = await res.json();
    assert.equal(res.status, 201, JSON.stringify(answer));
    return answer as Started;
  };
  /** Posts a visitor's message; the contact it is linked to is read from the conversation, since the public answer does not tell. */
  const say = async (slug: string, c: Started, text: string): Promise<Posted> => {
    const res = await post(`/${slug}/conversations/${c.conversationId}/messages`, { token: c.token, text });
    const answer = (await res.json()) as Posted;
    assert.equal(res.status, 201, JSON.stringify(answer));
    assert.equal('contactId' in answer, false, 'no contact id is shown to the public');
    const workspace = [law, dental, lone].find((w) => w.slug === slug)!;
    const linked = (await conversation(workspace.id, c.conversationId)).contact_id;
    return { ...answer, ...(linked && { contactId: linked }) };
  };
  const asChat = <T>(workspaceId: string, sql: string, bind: unknown[] = []) =>
    p.runtime.run('chat', { workspaceId }, (ctx) => ctx.query(sql, bind)) as Promise<T[]>;
  const messages = (workspaceId: string, conversationId: string) =>
    asChat<{ author: string; body: string; contact_id: string | null }>(
      workspaceId,
      'SELECT author, body, contact_id FROM chat_messages WHERE conversation_id = $1 ORDER BY created_at, id',
      [conversationId],
    );
  const conversation = async (workspaceId: string, id: string) =>
    (
      await asChat<{
        status: string;
        token_hash: string;
        contact_id: string | null;
        lead_captured_at: Date | null;
        last_message_at: Date | null;
      }>(workspaceId, 'SELECT * FROM chat_conversations WHERE id = $1', [id])
    )[0];
  const events = (name: string, conversationId: string) =>
    t.db.unit({ role: 'connection' }, () =>
      t.db.rows<ChatEvent>(
        `SELECT name, payload, contact_id AS "contactId" FROM events
          WHERE producer = 'chat' AND name = $1 AND payload->>'conversationId' = $2 ORDER BY seq`,
        [name, conversationId],
      ),
    );
  const contents = () =>
    t.db.unit({ role: 'connection' }, async () => ({
      conversations: await contentsOf(t.db, 'SELECT * FROM mod_chat.chat_conversations'),
      messages: await contentsOf(t.db, 'SELECT * FROM mod_chat.chat_messages'),
      configs: await contentsOf(t.db, 'SELECT * FROM mod_chat.chat_configs'),
      contacts: await contentsOf(t.db, 'SELECT * FROM contacts'),
      events: await contentsOf(t.db, "SELECT * FROM events WHERE producer = 'chat'"),
    }));
  const refused = (send: () => Promise<Response>, status: number, mention: RegExp) =>
    expectRefused(contents, send, status, mention);
  const entry = async (workspaceId: string, title: string, body: string) => {
    const row = await p.runtime.run('knowledge', { workspaceId }, (ctx) =>
      ctx.models.kb_entries.create({ title, body, published: true }),
    );
    entryIds[title] = row.get('id') as string;
  };

  before(async () => {
    t = await freshDatabase();
    p = testPlatform(t);
    law = await t.entities.workspaces.create({ slug: 'chat-law', name: 'Alder & Finch Law' });
    dental = await t.entities.workspaces.create({ slug: 'chat-dental', name: 'Brightwater Dental' });
    lone = await t.entities.workspaces.create({ slug: 'chat-lone', name: 'No knowledge here' });
    const registered = await p.marketplace.registry.registerBundled();
    assert.ok(
      registered.some((r) => r.row.moduleId === 'chat' && r.row.source === 'bundled'),
      registered.map((r) => r.row.moduleId).join(', '),
    );
    await p.marketplace.lifecycle.install('knowledge', undefined, actor);
    await p.marketplace.lifecycle.install('chat', undefined, actor);
    for (const ws of [law, dental]) await p.marketplace.lifecycle.enable('knowledge', ws.slug, undefined, actor);
    await p.marketplace.lifecycle.enable('chat', law.slug, { defaultCountry: 'US' }, actor);
    await p.marketplace.lifecycle.enable('chat', dental.slug, undefined, actor);
    await entry(
      law.id,
      'Car accidents and personal injury',
      'We represent people injured in car accidents across California. A personal injury claim covers medical bills, lost wages and pain; in California you have two years from the accident to file it.',
    );
    await entry(law.id, 'Office hours', 'The office is open Monday to Friday, 9:00 to 17:30, and by appointment on Saturdays.');
    await entry(
      dental.id,
      'Accident cover',
      'Broken teeth from a car accident in California are treated at once; the injury is billed to the insurer.',
    );
    ({ base, close } = await routeServer(t, p));
  });
  after(async () => {
    close?.();
    await t.drop();
  });

  it("starts a conversation and answers questions from this workspace's knowledge, not another's", async () => {
    const question = 'I was hurt in a car accident in California. What can I claim?';
    const res = await post(`/${law.slug}/conversations`, { name: 'Dana', message: question });
    assert.equal(res.headers.get('access-control-allow-origin'), '*', 'a widget on another site may call it');
    const started = (await res.json()) as Started;
    assert.equal(res.status, 201, JSON.stringify(started));
    assert.match(started.token, /^[0-9a-f]{64}$/);
    assert.ok(started.greeting.length > 0);
    assert.deepEqual(started.reply?.source, {
      entryId: entryIds['Car accidents and personal injury'],
      title: 'Car accidents and personal injury',
    });
    assert.match(started.reply.text, /^Car accidents and personal injury: .*California/);
    assert.doesNotMatch(started.reply.text, /<\/?b>/);

    const elsewhere = await start(dental.slug, { message: question });
    assert.deepEqual(elsewhere.reply?.source, { entryId: entryIds['Accident cover'], title: 'Accident cover' });
    assert.notEqual(elsewhere.token, started.token);

    const hours = await say(law.slug, started, 'When is your office open?');
    assert.equal(hours.reply.source?.title, 'Office hours');
    const unknown = await say(law.slug, started, 'Do you sell bicycles?');
    assert.equal(unknown.reply.source, undefined);
    assert.match(unknown.reply.text, /get back to you/, 'the built-in fallback');

    const transcript = await messages(law.id, started.conversationId);
    assert.deepEqual(
      transcript.map((m) => [m.author, m.body]),
      [
        ['bot', started.greeting],
        ['visitor', question],
        ['bot', started.reply.text],
        ['visitor', 'When is your office open?'],
        ['bot', hours.reply.text],
        ['visitor', 'Do you sell bicycles?'],
        ['bot', unknown.reply.text],
      ],
    );
    const row = await conversation(law.id, started.conversationId);
    assert.equal(row.status, 'open');
    assert.equal(row.token_hash, createHash('sha256').update(started.token).digest('hex'), 'only the hash is kept');
    assert.equal(row.contact_id, null);
    assert.ok(row.last_message_at);
    assert.equal(
      (await messages(dental.id, started.conversationId)).length,
      0,
      "another workspace does not see the conversation's messages",
    );
  });

  it('captures the contact from an email in a message and announces the lead once; the same email in another case enriches it', async () => {
    const started = await start(law.slug, {});
    assert.equal(started.reply, undefined, 'nothing to answer yet');
    const first = await say(law.slug, started, 'Hi, I need advice about an injury.');
    assert.equal(first.contactId, undefined);
    const before = await contents();

    const details = 'You can reach me at Ann.Lee@Example.com or (415) 555-0134.';
    const second = await say(law.slug, started, details);
    assert.ok(second.contactId);
    const contact = await t.entities.contacts.findByIdentity(law.id, 'email', 'ann.lee@example.com');
    assert.equal(contact?.id, second.contactId);
    assert.deepEqual(contact.phones, ['+14155550134'], "the workspace's default country applies to the number");
    assert.deepEqual(
      contact.provenance.map((s) => [s.module, s.channel, s.ref]),
      [['chat', 'chat', started.conversationId]],
    );
    const row = await conversation(law.id, started.conversationId);
    assert.equal(row.contact_id, second.contactId);
    assert.ok(row.lead_captured_at);

    const third = await say(law.slug, started, 'Again, it is ann.lee@EXAMPLE.com');
    assert.equal(third.contactId, second.contactId);
    const after = await contents();
    assert.equal(after.contacts.rows, before.contacts.rows + 1, 'one contact for both spellings');
    const enriched = await t.entities.contacts.get(law.id, second.contactId);
    assert.equal(enriched.provenance.length, 2, 'the second capture enriched the same contact');

    const leads = await events('chat.lead_captured', started.conversationId);
    assert.equal(leads.length, 1, 'the lead is announced once');
    assert.deepEqual(leads[0].payload, {
      conversationId: started.conversationId,
      contactId: second.contactId,
      text: `Hi, I need advice about an injury.\n${details}`,
    });
    assert.equal(leads[0].contactId, second.contactId);

    const received = await events('chat.message_received', started.conversationId);
    assert.deepEqual(
      received.map((e) => [e.payload.messageId, e.payload.text, e.payload.contactId, e.contactId]),
      [
        [first.messageId, 'Hi, I need advice about an injury.', undefined, null],
        [second.messageId, details, second.contactId, second.contactId],
        [third.messageId, 'Again, it is ann.lee@EXAMPLE.com', second.contactId, second.contactId],
      ],
    );
    const visitor = (await messages(law.id, started.conversationId)).filter((m) => m.author === 'visitor');
    assert.deepEqual(
      visitor.map((m) => m.contact_id),
      [null, second.contactId, second.contactId],
    );
  });

  it('captures the contact from the details a conversation starts with, and ignores a number in a message that is none', async () => {
    const started = await start(law.slug, { name: 'Sam Ortiz', email: 'Sam.Ortiz@Example.org', phone: '+1 617 555 0199' });
    const contact = await t.entities.contacts.findByIdentity(law.id, 'phone', '+16175550199');
    assert.equal(contact?.name, 'Sam Ortiz');
    assert.deepEqual(contact.emails, ['sam.ortiz@example.org']);
    const leads = await events('chat.lead_captured', started.conversationId);
    assert.deepEqual(
      leads.map((e) => e.payload),
      [{ conversationId: started.conversationId, contactId: contact.id, text: '' }],
    );
    const posted = await say(law.slug, started, 'My claim number is 555-1234');
    assert.equal(posted.contactId, contact.id);
    const unchanged = await t.entities.contacts.get(law.id, contact.id);
    assert.deepEqual(unchanged.phones, ['+16175550199'], 'a number that is no phone number is not added');

    const anonymous = await start(law.slug, { message: 'Is 555-1234 your number?' });
    assert.equal((await conversation(law.id, anonymous.conversationId)).contact_id, null);
    assert.deepEqual(await events('chat.lead_captured', anonymous.conversationId), []);

    await refused(
      () => post(`/${law.slug}/conversations`, { name: 'Eve', email: 'eve-at-example' }),
      400,
      /"eve-at-example" is not an email address/,
    );
  });

  it("refuses a wrong token, an unknown conversation and another workspace's, alike, and a closed conversation", async () => {
    const mine = await start(law.slug, { message: 'Hello' });
    const theirs = await start(dental.slug, { message: 'Hello' });
    const to = (slug: string, id: string, token: string) => () =>
      post(`/${slug}/conversations/${id}/messages`, { token, text: 'let me in' });
    const other = randomBytes(32).toString('hex');
    await refused(to(law.slug, mine.conversationId, other), 404, /^no such conversation$/);
    await refused(to(law.slug, '00000000-0000-4000-8000-000000000000', mine.token), 404, /^no such conversation$/);
    await refused(to(law.slug, 'not-a-uuid', mine.token), 404, /^no such conversation$/);
    await refused(to(law.slug, theirs.conversationId, theirs.token), 404, /^no such conversation$/);
    await refused(to(dental.slug, mine.conversationId, mine.token), 404, /^no such conversation$/);

    await asChat(law.id, "UPDATE chat_conversations SET status = 'closed' WHERE id = $1", [mine.conversationId]);
    await refused(to(law.slug, mine.conversationId, mine.token), 409, /closed/);
    await refused(to(law.slug, mine.conversationId, other), 404, /^no such conversation$/);
  });

  it("refuses bodies against the routes' schemas or not JSON, naming what was wrong, before writing anything", async () => {
    // In the other workspace: each counts its own starts against the route's rate limit.
    const c = await start(dental.slug, {});
    const path = `/${dental.slug}/conversations/${c.conversationId}/messages`;
    await refused(() => post(path, { token: c.token, text: '' }), 400, /body\/text: must NOT have fewer than 1 characters/);
    await refused(() => post(path, { token: c.token, text: ' \n ' }), 400, /body\/text: must match pattern/);
    await refused(() => post(path, { token: c.token, text: 'x'.repeat(4001) }), 400, /body\/text: must NOT have more than 4000/);
    await refused(
      () => post(path, { token: c.token, text: 'hi', colour: 'red' }),
      400,
      /must NOT have additional properties \("colour"\)/,
    );
    await refused(() => post(path, { text: 'hi' }), 400, /body: must have required property 'token'/);
    await refused(() => post(path, { token: 'abc', text: 'hi' }), 400, /body\/token: must match pattern/);
    await refused(
      () => post(path, `token=${c.token}&text=hi`, { 'content-type': 'application/x-www-form-urlencoded' }),
      415,
      /must be JSON/,
    );
    await refused(() => post(path, '{"text": "hi"', {}), 400, /not valid JSON/);
    await refused(
      () => post(`/${dental.slug}/conversations`, { message: 'hi', admin: true }),
      400,
      /additional properties \("admin"\)/,
    );
    await refused(
      () => post(`/${dental.slug}/conversations`, { name: 'x'.repeat(201) }),
      400,
      /body\/name: must NOT have more than 200/,
    );
  });

  it("follows the workspace's configuration: its greeting and fallback, and whether to ask Knowledge", async () => {
    await p.runtime.run('chat', { workspaceId: law.id }, (ctx) =>
      ctx.models.chat_configs.create({
        name: 'default',
        greeting: 'Welcome to Alder & Finch. How can we help?',
        answer_from_knowledge: false,
        fallback_reply: 'An attorney will reply within one business day.',
      }),
    );
    const started = await start(law.slug, { message: 'car accident in California' });
    assert.equal(started.greeting, 'Welcome to Alder & Finch. How can we help?');
    assert.deepEqual(started.reply, { text: 'An attorney will reply within one business day.' });
    const dentalStart = await start(dental.slug, { message: 'car accident in California' });
    assert.equal(dentalStart.reply?.source?.title, 'Accident cover', "another workspace's configuration is its own");
  });

  it('needs Knowledge enabled first, and keeps it enabled while Chat is', async () => {
    await assert.rejects(
      p.marketplace.lifecycle.enable('chat', lone.slug, undefined, actor),
      /module "chat": needs knowledge enabled in workspace "chat-lone" first/,
    );
    await refused(() => post(`/${lone.slug}/conversations`, { message: 'hello' }), 404, /not available in workspace "chat-lone"/);
    await assert.rejects(
      p.marketplace.lifecycle.disable('knowledge', law.slug, actor),
      /chat depend on it in workspace "chat-law"/,
    );
  });

  it('installs its screens as default layouts', async () => {
    const layouts = await t.db.app(null, () =>
      t.db.rows<{ resource: string }>(
        "SELECT resource FROM layout_definitions WHERE module_id = 'chat' AND workspace_id IS NULL ORDER BY resource",
      ),
    );
    assert.deepEqual(
      layouts.map((l) => l.resource),
      ['chat.chat_configs', 'chat.chat_conversations', 'chat.chat_messages'],
    );
  });
});
