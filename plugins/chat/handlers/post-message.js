import { chatConfig } from '../lib/config.js';
import { conversationFor } from '../lib/conversations.js';
import { receiveVisitor } from '../lib/visitor-message.js';

/** POST /:workspace/conversations/:conversation/messages — the visitor writes; the bot answers. */
export default async function postMessage(request, ctx) {
  const { token, text } = request.body;
  const conversation = await conversationFor(ctx, request.params.conversation, token);
  if (!conversation) return { status: 404, body: { error: 'no such conversation' } };
  if (conversation.status === 'closed')
    return { status: 409, body: { error: 'this conversation is closed; start a new one to write again' } };
  const config = await chatConfig(ctx);
  // Which contact it became is not told: a visitor could otherwise link a stranger's email and phone.
  const { messageId, reply } = await receiveVisitor(ctx, config, conversation, { text, given: {} });
  return { status: 201, body: { messageId, reply } };
}
