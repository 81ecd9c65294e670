import assert from 'node:assert/strict';
import { VendorSchemas } from '../platform/manifests/index.js';
import { LifecycleError } from '../platform/registry/index.js';
import { RouteSecrets, sign } from '../platform/routes/index.js';
import { contentsOf, freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { expectRefused, routeServer, subscribe } from './support/modules.js';
import { actor, testPlatform, type TestPlatform } from './support/platform.js';

interface Accepted {
  callId: string;
  contactId: string;
  duplicate?: true;
  error?: string;
}
interface CallRow {
  id: string;
  contact_id: string;
  direction: string;
  from_number: string;
  to_number: string | null;
  status: string;
  started_at: Date;
  ended_at: Date | null;
  duration_seconds: string | null;
  recording_url: string | null;
}

/** The bundled Voice module, installed from plugins/ as any module is: its signed call webhook, over HTTP. */
describe(`the Voice module (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let p: TestPlatform;
  let close: () => void;
  let base: string;
  let a: { id: string; slug: string };
  let b: { id: string; slug: string };
  const secret: Record<string, string> = {};

  const now = () => String(Math.floor(Date.now() / 1000));
  /** Posts a webhook body to a workspace's calls route, signed with `key` (its own secret unless told). */
  const call = (slug: string, body: unknown, key = secret[slug], timestamp = now()) => {
    const raw = JSON.stringify(body);
    return fetch(`${base}/m/voice/${slug}/calls`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-plinth-timestamp': timestamp,
        'x-plinth-signature': sign(key, timestamp, raw),
      },
      body: raw,
    });
  };
  const accepted = async (res: Response, status = 202): Promise<Accepted> => {
    const body = (await res.json()) as Accepted;
    assert.equal(res.status, status, body.error);
    return body;
  };
  const asConnection = <R extends object>(sql: string, bind: unknown[] = []) =>
    t.db.unit({ role: 'connection' }, () => t.db.rows<R>(sql, bind));
  const contents = () =>
    t.db.unit({ role: 'connection' }, async () => ({
      calls: await contentsOf(t.db, 'SELECT * FROM mod_voice.voice_calls'),
      transcripts: await contentsOf(t.db, 'SELECT * FROM mod_voice.transcripts'),
      contacts: await contentsOf(t.db, 'SELECT * FROM contacts'),
      events: await contentsOf(t.db, "SELECT * FROM events WHERE producer = 'voice'"),
    }));
  const callRows = (workspaceId: string, externalId: string) =>
    asConnection<CallRow>('SELECT * FROM mod_voice.voice_calls WHERE workspace_id = $1 AND external_id = $2', [
      workspaceId,
      externalId,
    ]);
  const transcripts = (callId: string) =>
    asConnection<{ text: string; contact_id: string; language: string | null }>(
      'SELECT text, contact_id, language FROM mod_voice.transcripts WHERE call_id = $1',
      [callId],
    );
  const completions = (externalId: string) =>
    asConnection<{ contact_id: string; payload: Record<string, unknown>; workspace_id: string }>(
      `SELECT contact_id, payload, workspace_id FROM events WHERE name = 'voice.call_completed' AND payload->>'externalId' = $1`,
      [externalId],
    );
  const refused = (send: () => Promise<Response>, status: number, mention: RegExp) =>
    expectRefused(contents, send, status, mention);

  before(async () => {
    t = await freshDatabase();
    p = testPlatform(t);
    a = await t.entities.workspaces.create({ slug: 'voice-a', name: 'Alpha Law' });
    b = await t.entities.workspaces.create({ slug: 'voice-b', name: 'Beta Dental' });
    const registered = await p.marketplace.registry.registerBundled();
    assert.ok(
      registered.some((r) => r.row.moduleId === 'voice' && r.row.source === 'bundled'),
      registered.map((r) => r.row.moduleId).join(', '),
    );
    await p.marketplace.lifecycle.install('voice', undefined, actor);
    for (const ws of [a, b]) await subscribe(t, ws.id, ['voice']);
    await p.marketplace.lifecycle.enable('voice', a.slug, { defaultCountry: 'US' }, actor);
    await p.marketplace.lifecycle.enable('voice', b.slug, undefined, actor);
    const secrets = new RouteSecrets(t.db, t.entities, p.marketplace.registry);
    for (const ws of [a, b]) secret[ws.slug] = await secrets.issue('voice', ws.slug);
    ({ base, close } = await routeServer(t, p));
  });
  after(async () => {
    close?.();
    await t.drop();
  });

  it('is paid: enabling it without a subscription covering "voice" is refused, naming what is missing', async () => {
    const unpaid = await t.entities.workspaces.create({ slug: 'voice-unpaid', name: 'Unpaid' });
    await subscribe(t, unpaid.id, ['knowledge']);
    await assert.rejects(
      p.marketplace.lifecycle.enable('voice', unpaid.slug, undefined, actor),
      (err: Error) =>
        err instanceof LifecycleError &&
        err.message.includes('workspace "voice-unpaid" needs an active subscription covering "voice"') &&
        err.message.includes('only test (active, modules: knowledge)'),
    );
    await refused(
      () => call(unpaid.slug, { event: 'call.started', callId: 'CA-unpaid', from: '+14155550100' }, 'no-secret'),
      404,
      /not available in workspace "voice-unpaid"/,
    );
  });

  it('refuses a default country that is not an ISO 3166 code', async () => {
    await assert.rejects(
      p.marketplace.lifecycle.enable('voice', a.slug, { defaultCountry: 'usa' }, actor),
      /settings\/defaultCountry: must match pattern/,
    );
    const [installation] = await t.db.app(a.id, () =>
      t.db.rows<{ settings: unknown }>(
        "SELECT settings FROM module_installations WHERE module_id = 'voice' AND workspace_id = $1",
        [a.id],
      ),
    );
    assert.deepEqual(installation.settings, { defaultCountry: 'US' }, 'the settings in force are kept');
  });

  it('logs a completed call against the contact already known by the same number written differently, and emits it', async () => {
    const known = await t.entities.contacts.upsert(a.id, {
      name: 'Maria Lopez',
      phones: ['+1 (415) 555-0100'],
      source: { module: 'crm' },
    });
    const before = await contents();
    const webhook = {
      event: 'call.completed',
      callId: 'CA-known',
      from: '4155550100',
      to: '+14155550199',
      callerName: 'M LOPEZ',
      startedAt: '2025-03-03T17:00:00Z',
      durationSeconds: 184,
      recordingUrl: 'https://recordings.example.com/CA-known.mp3',
      transcript: 'I was rear-ended on the 101 last week and my neck still hurts.',
      language: 'en-US',
    };
    const reply = await accepted(await call(a.slug, webhook));
    assert.equal(reply.contactId, known.contact.id);
    assert.equal(reply.duplicate, undefined);
    const after = await contents();
    assert.equal(after.contacts.rows, before.contacts.rows, 'no new contact');
    assert.equal(after.calls.rows, before.calls.rows + 1);

    const [row] = await callRows(a.id, 'CA-known');
    assert.equal(row.id, reply.callId);
    assert.deepEqual(
      [row.contact_id, row.status, row.direction, row.from_number, Number(row.duration_seconds), row.recording_url],
      [known.contact.id, 'completed', 'inbound', '4155550100', 184, webhook.recordingUrl],
    );
    assert.equal(row.started_at.toISOString(), '2025-03-03T17:00:00.000Z');
    assert.equal(row.ended_at?.toISOString(), '2025-03-03T17:03:04.000Z', 'the end is the start plus the duration');
    assert.deepEqual(await transcripts(row.id), [{ text: webhook.transcript, contact_id: known.contact.id, language: 'en-US' }]);

    const contact = await t.entities.contacts.get(a.id, known.contact.id);
    assert.equal(contact.name, 'Maria Lopez', 'a known name is kept');
    assert.deepEqual(
      contact.provenance.map((s) => [s.module, s.channel, s.ref]),
      [
        ['crm', undefined, undefined],
        ['voice', 'phone', 'CA-known'],
      ],
    );
    const [event] = await completions('CA-known');
    assert.equal(event.contact_id, known.contact.id);
    assert.equal(event.workspace_id, a.id);
    assert.deepEqual(event.payload, {
      callId: row.id,
      externalId: 'CA-known',
      contactId: known.contact.id,
      phone: '+14155550100',
      durationSeconds: 184,
      recordingUrl: webhook.recordingUrl,
      text: webhook.transcript,
    });
  });

  it('creates a contact for a new number, named by the caller, with the voice module as its source', async () => {
    const before = await contents();
    const reply = await accepted(
      await call(a.slug, {
        event: 'call.completed',
        callId: 'CA-new',
        from: '+1 213 555 0147',
        callerName: 'Jordan Reyes',
        durationSeconds: 0,
      }),
    );
    assert.equal((await contents()).contacts.rows, before.contacts.rows + 1);
    const contact = await t.entities.contacts.findByIdentity(a.id, 'phone', '+12135550147');
    assert.equal(contact?.id, reply.contactId);
    assert.equal(contact?.name, 'Jordan Reyes');
    assert.deepEqual(
      contact?.provenance.map((s) => [s.module, s.channel, s.ref]),
      [['voice', 'phone', 'CA-new']],
    );
    assert.deepEqual(await transcripts(reply.callId), [], 'no transcript was sent, none is stored');
    const [event] = await completions('CA-new');
    assert.deepEqual(
      [event.payload.phone, event.payload.text, event.payload.durationSeconds, 'recordingUrl' in event.payload],
      ['+12135550147', '', 0, false],
    );
  });

  it('logs started then completed as one call, keeping the start and adding the end, the transcript and the event', async () => {
    const before = await contents();
    const started = await accepted(
      await call(a.slug, { event: 'call.started', callId: 'CA-two', from: '+14155550111', startedAt: '2025-03-04T09:30:00Z' }),
    );
    let [row] = await callRows(a.id, 'CA-two');
    assert.deepEqual([row.id, row.status, row.ended_at, row.duration_seconds], [started.callId, 'started', null, null]);
    assert.deepEqual(await completions('CA-two'), [], 'a started call emits nothing yet');

    const completed = await accepted(
      await call(a.slug, {
        event: 'call.completed',
        callId: 'CA-two',
        from: '+14155550111',
        endedAt: '2025-03-04T09:35:00Z',
        durationSeconds: 300,
        transcript: 'Calling about my appointment.',
      }),
    );
    assert.deepEqual(completed, { callId: started.callId, contactId: started.contactId });
    const rows = await callRows(a.id, 'CA-two');
    assert.equal(rows.length, 1);
    [row] = rows;
    assert.deepEqual(
      [row.status, row.started_at.toISOString(), row.ended_at?.toISOString(), Number(row.duration_seconds)],
      ['completed', '2025-03-04T09:30:00.000Z', '2025-03-04T09:35:00.000Z', 300],
    );
    assert.equal((await transcripts(row.id)).length, 1);
    assert.equal((await completions('CA-two')).length, 1);
    const after = await contents();
    assert.deepEqual(
      [after.calls, after.transcripts, after.contacts, after.events].map((c) => c.rows),
      [before.calls, before.transcripts, before.contacts, before.events].map((c) => c.rows + 1),
    );
  });

  it('writes nothing new for a retried completion or a late start, and says they were duplicates', async () => {
    const webhook = {
      event: 'call.completed',
      callId: 'CA-retry',
      from: '+14155550122',
      durationSeconds: 61,
      transcript: 'Please call me back.',
    };
    const sent = now();
    const first = await accepted(await call(a.slug, webhook, secret[a.slug], sent));
    const before = await contents();
    const provenance = (await t.entities.contacts.get(a.id, first.contactId)).provenance.length;

    // A provider's retry is a new signed request: the same one again would be refused as used.
    const retried = await accepted(await call(a.slug, webhook, secret[a.slug], String(Number(sent) - 1)), 200);
    assert.deepEqual(retried, { ...first, duplicate: true });
    const late = await accepted(await call(a.slug, { event: 'call.started', callId: 'CA-retry', from: '+14155550122' }), 200);
    assert.deepEqual(late, { ...first, duplicate: true });

    assert.deepEqual(await contents(), before);
    assert.equal((await callRows(a.id, 'CA-retry'))[0].status, 'completed', 'a late start does not reopen the call');
    assert.equal(
      (await t.entities.contacts.get(a.id, first.contactId)).provenance.length,
      provenance,
      'the contact is untouched',
    );
  });

  it('logs an outbound call against the number called', async () => {
    const reply = await accepted(
      await call(a.slug, {
        event: 'call.completed',
        callId: 'CA-out',
        direction: 'outbound',
        from: '+14155550199',
        to: '(213) 555-0188',
        callerName: 'Alpha Law front desk',
        durationSeconds: 45,
      }),
    );
    const contact = await t.entities.contacts.findByIdentity(a.id, 'phone', '+12135550188');
    assert.equal(contact?.id, reply.contactId);
    assert.equal(contact?.name, '', "the line's caller name is not the contact's");
    assert.equal(
      await t.entities.contacts.findByIdentity(a.id, 'phone', '+14155550199'),
      null,
      "the firm's own line is no contact",
    );
    assert.equal((await completions('CA-out'))[0].payload.phone, '+12135550188');
  });

  it('keeps workspaces apart: each has its own secret, calls and contacts, and its own country for short numbers', async () => {
    const webhook = { event: 'call.completed', callId: 'CA-known', from: '+14155550100', durationSeconds: 10 };
    await refused(() => call(a.slug, webhook, secret[b.slug]), 401, /does not match/);
    const inB = await accepted(await call(b.slug, webhook));
    const [inA] = await callRows(a.id, 'CA-known');
    assert.notEqual(inB.callId, inA.id, 'the same provider call id is a call of its own in another workspace');
    assert.notEqual(inB.contactId, inA.contact_id, 'and the same number another contact');
    assert.equal((await completions('CA-known')).length, 2);

    const local = await accepted(await call(b.slug, { ...webhook, callId: 'CA-local', from: '4155550100' }));
    assert.equal(local.contactId, null, 'B has no default country: the local number is nobody it can find');
    const [logged] = await callRows(b.id, 'CA-local');
    assert.deepEqual([logged.contact_id, logged.from_number], [null, '4155550100']);
    assert.equal((await completions('CA-local')).length, 0, 'no lead to announce');
  });

  it('refuses missing, stale and bad signatures with 401, writing nothing', async () => {
    const raw = JSON.stringify({ event: 'call.completed', callId: 'CA-unsigned', from: '+14155550133', durationSeconds: 5 });
    const post = (headers: Record<string, string>, body = raw) =>
      fetch(`${base}/m/voice/${a.slug}/calls`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
    const ts = now();
    await refused(() => post({}), 401, /X-Plinth-Timestamp header is missing/);
    await refused(() => post({ 'x-plinth-timestamp': ts }), 401, /X-Plinth-Signature header is missing/);
    const stale = String(Number(ts) - 6 * 60);
    await refused(
      () => post({ 'x-plinth-timestamp': stale, 'x-plinth-signature': sign(secret[a.slug], stale, raw) }),
      401,
      /more than 5 minutes/,
    );
    const signature = sign(secret[a.slug], ts, raw);
    await refused(
      () =>
        post(
          { 'x-plinth-timestamp': ts, 'x-plinth-signature': signature },
          raw.replace('"durationSeconds":5', '"durationSeconds":6'),
        ),
      401,
      /does not match/,
    );
    await refused(
      () => post({ 'x-plinth-timestamp': ts, 'x-plinth-signature': sign('not-the-secret', ts, raw) }),
      401,
      /does not match/,
    );
    assert.deepEqual(await callRows(a.id, 'CA-unsigned'), []);
    assert.equal(
      (await post({ 'x-plinth-timestamp': ts, 'x-plinth-signature': signature })).status,
      202,
      'the same, signed, is taken',
    );
  });

  it('refuses bodies against the schema with 400 naming the path, writing nothing', async () => {
    const completed = { event: 'call.completed', callId: 'CA-bad', from: '+14155550144', durationSeconds: 30 };
    const { durationSeconds: _duration, ...withoutDuration } = completed;
    await refused(() => call(a.slug, withoutDuration), 400, /body: must have required property 'durationSeconds'/);
    await refused(
      () => call(a.slug, { ...completed, recordingUrl: 'not a url' }),
      400,
      /body\/recordingUrl: must match format "uri"/,
    );
    await refused(
      () => call(a.slug, { ...completed, agent: 'Sam' }),
      400,
      /body: must NOT have additional properties \("agent"\)/,
    );
    await refused(
      () => call(a.slug, { ...completed, event: 'call.ringing' }),
      400,
      /body\/event: must be equal to one of the allowed values/,
    );
    await refused(() => call(a.slug, { ...completed, durationSeconds: -1 }), 400, /body\/durationSeconds: must be >= 0/);
    await refused(() => call(a.slug, { ...completed, direction: 'outbound' }), 400, /body: must have required property 'to'/);
    assert.equal((await call(a.slug, completed)).status, 202, 'the same, valid, is taken');
    const withheld = await accepted(await call(a.slug, { ...completed, callId: 'CA-withheld', from: 'anonymous' }));
    assert.equal(withheld.contactId, null, 'a withheld number is logged without a contact');
  });

  it('answers concurrent deliveries of one completion once: one call, transcript, contact and event', async () => {
    const before = await contents();
    const webhook = {
      event: 'call.completed',
      callId: 'CA-twice',
      from: '+14155550155',
      durationSeconds: 12,
      transcript: 'Are you open on Saturday?',
    };
    const sent = now();
    const [one, two] = await Promise.all([
      call(a.slug, webhook, secret[a.slug], sent),
      call(a.slug, webhook, secret[a.slug], String(Number(sent) - 1)),
    ]);
    const replies = [await one.json(), await two.json()] as Accepted[];
    assert.deepEqual([one.status, two.status].sort(), [200, 202], JSON.stringify(replies));
    assert.equal(replies[0].callId, replies[1].callId);
    assert.equal(replies[0].contactId, replies[1].contactId);
    const after = await contents();
    assert.deepEqual(
      [after.calls, after.transcripts, after.contacts, after.events].map((c) => c.rows),
      [before.calls, before.transcripts, before.contacts, before.events].map((c) => c.rows + 1),
    );
  });

  it("declares a valid example of its event's payload", async () => {
    const { manifest } = (await p.marketplace.registry.installed('voice'))!;
    const declared = manifest.events!.emits!.find((e) => e.name === 'voice.call_completed')!.payload as { examples: unknown[] };
    const compiled = new VendorSchemas().compile(declared);
    assert.ok('validate' in compiled, JSON.stringify(compiled));
    assert.equal(declared.examples.length, 1);
    for (const example of declared.examples) assert.ok(compiled.validate(example), JSON.stringify(compiled.validate.errors));
  });

  it('installs its screens as default layouts, the calls list sorted on an index', async () => {
    const layouts = await t.db.app(null, () =>
      t.db.rows<{ resource: string; definition: { sort?: { property: string } } }>(
        "SELECT resource, definition FROM layout_definitions WHERE module_id = 'voice' AND workspace_id IS NULL ORDER BY resource",
      ),
    );
    assert.deepEqual(
      layouts.map((l) => l.resource),
      ['voice.transcripts', 'voice.voice_calls', 'voice.voice_profiles'],
    );
    const indexes = await asConnection<{ indexdef: string }>(
      "SELECT indexdef FROM pg_indexes WHERE schemaname = 'mod_voice' AND tablename = 'voice_calls'",
    );
    const sort = layouts.find((l) => l.resource === 'voice.voice_calls')!.definition.sort!.property;
    assert.ok(
      indexes.some((i) => i.indexdef.includes(`(workspace_id, ${sort})`)),
      indexes.map((i) => i.indexdef).join('\n'),
    );
    assert.ok(indexes.some((i) => /UNIQUE INDEX .*\(workspace_id, external_id\)/.test(i.indexdef)));
  });
});
