import { contactDetails } from './contact-details.js';
import { linkContact, visitorText } from './conversations.js';

const DETAIL_PATH = /^(emails|phones)\[(\d+)\]$/;
/** Of each kind, the first few a text holds: a visitor leaves one or two; a pasted list is not theirs. */
const MAX_FOUND = 5;

/**
 * The conversation's contact, or null when it has none or it was deleted since; a deleted one is
 * forgotten, so that events are not sent about it.
 */
export async function linkedContact(ctx, conversation) {
  if (!conversation.contactId) return null;
  try {
    return await ctx.contacts.get(conversation.contactId);
  } catch (err) {
    if (err.code !== 'not_found') throw err;
    conversation.contactId = null;
    return null;
  }
}

/**
 * Creates or enriches the contact from the details given (form fields: a bad one refuses the
 * request) and those found in the text (free text: one the shell refuses is dropped). The
 * conversation's own contact goes first, so that new details enrich it rather than start another.
 * Returns the contact id and whether the conversation just got its first contact.
 */
export async function captureContact(ctx, conversation, { contact, given = {}, text = '' }) {
  const found = contactDetails(text);
  const details = [
    ...anchorOf(contact),
    ...(given.emails ?? []).map((value) => ({ kind: 'emails', value, given: true })),
    ...(given.phones ?? []).map((value) => ({ kind: 'phones', value, given: true })),
    ...found.emails.slice(0, MAX_FOUND).map((value) => ({ kind: 'emails', value, given: false })),
    ...found.phones.slice(0, MAX_FOUND).map((value) => ({ kind: 'phones', value, given: false })),
  ];
  const captured = await upsertDroppingRefused(ctx, conversation, details);
  if (!captured || conversation.contactId) return { contactId: conversation.contactId, first: false };
  await linkContact(ctx, conversation, captured.id);
  return { contactId: captured.id, first: true };
}

/** One detail of the contact the conversation already has: enough for the upsert to find it. */
function anchorOf(contact) {
  const [kind, value] = contact?.emails[0] ? ['emails', contact.emails[0]] : ['phones', contact?.phones[0]];
  return value ? [{ kind, value, given: true, anchor: true }] : [];
}

/** The upsert of the details, without those of the text the shell refuses; null when no new detail is left. */
async function upsertDroppingRefused(ctx, conversation, details) {
  while (details.some((d) => !d.anchor)) {
    const of = (kind) => details.filter((d) => d.kind === kind);
    try {
      const { contact } = await ctx.contacts.upsert({
        ...(conversation.visitorName && { name: conversation.visitorName }),
        emails: of('emails').map((d) => d.value),
        phones: of('phones').map((d) => d.value),
        ...(ctx.settings.defaultCountry && { defaultCountry: ctx.settings.defaultCountry }),
        channel: 'chat',
        ref: conversation.id,
      });
      return contact;
    } catch (err) {
      const [, kind, index] = DETAIL_PATH.exec(err.path ?? '') ?? [];
      const refused = kind && of(kind)[Number(index)];
      if (err.code !== 'invalid_input' || !refused || refused.given) throw err;
      details.splice(details.indexOf(refused), 1);
    }
  }
  return null;
}

/** chat.lead_captured, once per conversation whatever happens after. */
export async function announceLead(ctx, conversation) {
  await ctx.events.emit(
    'chat.lead_captured',
    { conversationId: conversation.id, contactId: conversation.contactId, text: await visitorText(ctx, conversation) },
    { contactId: conversation.contactId, idempotencyKey: `chat:lead:${conversation.id}` },
  );
}
