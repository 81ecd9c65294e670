import { callTimes, completedPayload, completionKey, isRepeat, numberAsStored, remoteParty, transcriptOf } from '../lib/calls.js';

const START = `
  INSERT INTO voice_calls (workspace_id, external_id, contact_id, direction, from_number, to_number, status, started_at)
  VALUES ($1, $2, $3, $4, $5, $6, 'started', $7)
  ON CONFLICT (workspace_id, external_id) DO NOTHING
  RETURNING id`;

// Completes a started call or logs a call first heard of at its end. The WHERE makes a
// concurrent repeat of the completion update nothing, so it returns no row.
const COMPLETE = `
  INSERT INTO voice_calls AS c (workspace_id, external_id, contact_id, direction, from_number, to_number, status,
                                started_at, ended_at, duration_seconds, recording_url)
  VALUES ($1, $2, $3, $4, $5, $6, 'completed', $7, $8, $9, $10)
  ON CONFLICT (workspace_id, external_id) DO UPDATE
     SET contact_id = EXCLUDED.contact_id, direction = EXCLUDED.direction, from_number = EXCLUDED.from_number,
         to_number = COALESCE(EXCLUDED.to_number, c.to_number), status = 'completed',
         started_at = COALESCE($11::timestamptz, c.started_at, EXCLUDED.started_at),
         ended_at = EXCLUDED.ended_at, duration_seconds = EXCLUDED.duration_seconds, recording_url = EXCLUDED.recording_url
   WHERE c.status <> 'completed'
  RETURNING id`;

async function loggedCall(ctx, externalId) {
  const [call] = await ctx.query('SELECT id, contact_id, status FROM voice_calls WHERE external_id = $1', [externalId]);
  return call;
}

const repeated = (call) => ({ status: 200, body: { callId: call.id, contactId: call.contact_id, duplicate: true } });

/**
 * The telephony provider's webhook (signed, its body checked by the shell). Logs the call
 * against the contact found by the other party's number; on completion stores the transcript
 * and emits voice.call_completed. A repeated webhook writes nothing and says it was a duplicate.
 */
export default async function callWebhook(request, ctx) {
  const body = request.body;
  const logged = await loggedCall(ctx, body.callId);
  if (isRepeat(body.event, logged?.status)) return repeated(logged);

  const contact = await contactOf(ctx, body);
  const contactId = contact?.id ?? null;
  const { startedAt, endedAt } = callTimes(body);
  const row = [ctx.workspace.id, body.callId, contactId, body.direction ?? 'inbound', body.from, body.to ?? null, startedAt];

  if (body.event === 'call.started') {
    const [call] = await ctx.query(START, row);
    if (!call) return repeated(await loggedCall(ctx, body.callId));
    return { status: 202, body: { callId: call.id, contactId } };
  }

  const [call] = await ctx.query(COMPLETE, [
    ...row,
    endedAt,
    body.durationSeconds,
    body.recordingUrl ?? null,
    body.startedAt ?? null,
  ]);
  if (!call) return repeated(await loggedCall(ctx, body.callId));
  const text = transcriptOf(body);
  if (text) {
    await ctx.query('INSERT INTO transcripts (workspace_id, call_id, contact_id, text, language) VALUES ($1, $2, $3, $4, $5)', [
      ctx.workspace.id,
      call.id,
      contactId,
      text,
      body.language ?? null,
    ]);
  }
  // A call nobody can be found for is logged, but there is no lead to tell other modules about.
  if (contact) {
    const phone = numberAsStored(contact.phones, remoteParty(body).phone);
    await ctx.events.emit('voice.call_completed', completedPayload({ callId: call.id, contactId, phone }, body), {
      contactId,
      idempotencyKey: completionKey(body.callId),
    });
  }
  return { status: 202, body: { callId: call.id, contactId } };
}

/**
 * The contact behind the other party's number, created if new; null when the number is withheld
 * or not one ("anonymous", a local number without a default country): the call is logged all the
 * same, since a provider would otherwise retry it forever.
 */
async function contactOf(ctx, body) {
  const party = remoteParty(body);
  try {
    const { contact } = await ctx.contacts.upsert({
      phones: [party.phone],
      name: party.name,
      defaultCountry: ctx.settings.defaultCountry,
      channel: 'phone',
      ref: body.callId,
    });
    return contact;
  } catch (err) {
    if (err.code !== 'invalid_input' || !String(err.path).startsWith('phones')) throw err;
    ctx.log.warn({ callId: body.callId, reason: err.message }, 'call logged without a contact');
    return null;
  }
}
