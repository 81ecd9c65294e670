import { answer } from './answer.js';
import { storeMessage } from './conversations.js';
import { announceLead, captureContact, linkedContact } from './lead-capture.js';

/**
 * What follows from the visitor writing: the contact captured from the details they gave or
 * wrote, their message stored, the events, and the bot's reply, stored too. `text` is absent when
 * a conversation starts with contact details only.
 */
export async function receiveVisitor(ctx, config, conversation, { text, given }) {
  const contact = await linkedContact(ctx, conversation);
  const { contactId, first } = await captureContact(ctx, conversation, { contact, given, text });
  const messageId =
    text === undefined ? null : await storeMessage(ctx, conversation, { author: 'visitor', body: text, contactId });
  // After the message is stored: the lead carries everything the visitor wrote, this message included.
  if (first) await announceLead(ctx, conversation);
  if (messageId === null) return { contactId };
  await ctx.events.emit(
    'chat.message_received',
    { conversationId: conversation.id, messageId, text, ...(contactId && { contactId }) },
    contactId ? { contactId } : {},
  );
  const reply = await answer(ctx, config, text);
  await storeMessage(ctx, conversation, { author: 'bot', body: reply.text });
  return { messageId, contactId, reply };
}
