import { hashToken, tokenMatches } from './token.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const COLUMNS = 'id, status, visitor_name AS "visitorName", contact_id AS "contactId", token_hash AS "tokenHash"';

export async function createConversation(ctx, { visitorName, token }) {
  const [conversation] = await ctx.query(
    `INSERT INTO chat_conversations (workspace_id, visitor_name, status, token_hash)
     VALUES ($1, $2, 'open', $3) RETURNING ${COLUMNS}`,
    [ctx.workspace.id, visitorName ?? null, await hashToken(token)],
  );
  return conversation;
}

/**
 * The conversation the id names, if the token is its own; null otherwise, either way, so a caller
 * cannot tell an unknown conversation from a wrong token. Locked until the request ends: messages
 * of one conversation are taken one at a time, and its contact is linked once.
 */
export async function conversationFor(ctx, id, token) {
  if (!UUID.test(id)) return null;
  const [conversation] = await ctx.query(`SELECT ${COLUMNS} FROM chat_conversations WHERE id = $1 FOR UPDATE`, [id]);
  return conversation && (await tokenMatches(token, conversation.tokenHash)) ? conversation : null;
}

/** Stores a message; clock time, not the transaction's, orders the messages one request writes. */
export async function storeMessage(ctx, conversation, { author, body, contactId = null }) {
  const [message] = await ctx.query(
    `WITH stored AS (
       INSERT INTO chat_messages (workspace_id, conversation_id, author, body, contact_id, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, clock_timestamp(), clock_timestamp()) RETURNING id, created_at
     ), touched AS (
       UPDATE chat_conversations SET last_message_at = (SELECT created_at FROM stored) WHERE id = $2
     )
     SELECT id FROM stored`,
    [ctx.workspace.id, conversation.id, author, body, contactId],
  );
  return message.id;
}

/** Everything the visitor wrote in the conversation, one message a line. */
export async function visitorText(ctx, conversation) {
  const rows = await ctx.query(
    `SELECT body FROM chat_messages WHERE conversation_id = $1 AND author = 'visitor' ORDER BY created_at, id`,
    [conversation.id],
  );
  return rows.map((r) => r.body).join('\n');
}

export async function linkContact(ctx, conversation, contactId) {
  await ctx.query(
    'UPDATE chat_conversations SET contact_id = $2, lead_captured_at = COALESCE(lead_captured_at, now()) WHERE id = $1',
    [conversation.id, contactId],
  );
  conversation.contactId = contactId;
}
