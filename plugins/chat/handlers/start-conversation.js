import { chatConfig } from '../lib/config.js';
import { createConversation, storeMessage } from '../lib/conversations.js';
import { newToken } from '../lib/token.js';
import { receiveVisitor } from '../lib/visitor-message.js';

/**
 * POST /:workspace/conversations — a widget opens a conversation. The token in the answer is the
 * only way to post to it afterwards, and only its hash is kept. An email or phone given here must
 * be valid: the shell's upsert refuses a bad one, which rolls the whole start back.
 */
export default async function startConversation(request, ctx) {
  const { name, email, phone, message } = request.body;
  const config = await chatConfig(ctx);
  const token = newToken();
  const conversation = await createConversation(ctx, { visitorName: name?.trim() || null, token });
  await storeMessage(ctx, conversation, { author: 'bot', body: config.greeting });
  const given = { emails: email === undefined ? [] : [email], phones: phone === undefined ? [] : [phone] };
  const { reply } = await receiveVisitor(ctx, config, conversation, { text: message, given });
  return {
    status: 201,
    body: {
      conversationId: conversation.id,
      token,
      greeting: config.greeting,
      ...(reply && { reply }),
    },
  };
}
