/**
 * What a provider's call webhook means, decided without the database: whose number it is,
 * when the call ran, whether it is a repeat, and what voice.call_completed carries.
 */

/** The person on the other end of the line: the caller of an inbound call, the called number of an outbound one. */
export function remoteParty(body) {
  if (body.direction === 'outbound') return { phone: body.to };
  const name = body.callerName?.trim();
  return { phone: body.from, ...(name && { name }) };
}

/**
 * A webhook about a call already logged that would change nothing: call.started again (or late,
 * after the completion), call.completed again. Providers retry until they hear back.
 */
export function isRepeat(event, loggedStatus) {
  if (loggedStatus === undefined) return false;
  return event === 'call.started' || loggedStatus === 'completed';
}

/**
 * When the call started and ended, as ISO strings. Providers may leave either out; the missing
 * one is worked out from the duration and, last, from when the webhook arrived, so every call
 * has a start to sort the list by.
 */
export function callTimes(body, now = new Date()) {
  const ms = (body.durationSeconds ?? 0) * 1000;
  const given = (at) => (at === undefined ? undefined : new Date(at));
  if (body.event === 'call.started') return { startedAt: (given(body.startedAt) ?? now).toISOString(), endedAt: null };
  const started = given(body.startedAt);
  const ended = given(body.endedAt) ?? (started ? new Date(started.getTime() + ms) : now);
  return { startedAt: (started ?? new Date(ended.getTime() - ms)).toISOString(), endedAt: ended.toISOString() };
}

/** The transcript worth storing: the provider's text without surrounding blanks, '' when there is none. */
export function transcriptOf(body) {
  return body.transcript?.trim() ?? '';
}

/**
 * Which of the contact's numbers (kept in international form) is `raw`, however the provider
 * wrote it: "(415) 555-0100" is "+14155550100". `raw` itself when none matches.
 */
export function numberAsStored(phones, raw) {
  const digits = (number) => number.replace(/\D/g, '').replace(/^0+/, '');
  const wanted = digits(raw);
  if (!wanted) return raw.trim();
  // A national number matches the end of the international one; too short a tail could match another number.
  const national = wanted.length >= 7 ? phones.find((p) => digits(p).endsWith(wanted)) : undefined;
  return phones.find((p) => digits(p) === wanted) ?? national ?? raw.trim();
}

/** The idempotency key of a call's completion event: the provider's call id, so a retried webhook emits nothing new. */
export const completionKey = (externalId) => `voice:call:${externalId}:completed`;

/** The payload of voice.call_completed (schema in the manifest's events.emits). */
export function completedPayload({ callId, contactId, phone }, body) {
  return {
    callId,
    externalId: body.callId,
    contactId,
    phone,
    durationSeconds: body.durationSeconds,
    ...(body.recordingUrl !== undefined && { recordingUrl: body.recordingUrl }),
    text: transcriptOf(body),
  };
}
