/** What a workspace without a "default" chat_configs row (or with empty columns in it) gets. */
export const DEFAULTS = {
  greeting: 'Hello! Ask us a question, or leave your email or phone number and we will get back to you.',
  answerFromKnowledge: true,
  fallbackReply:
    'Thank you for your message. We have no answer to that right away; leave your email or phone number and someone from our team will get back to you.',
};

/** The workspace's "default" configuration, each missing value taken from the defaults. */
export async function chatConfig(ctx) {
  const [row] = await ctx.query(
    "SELECT greeting, answer_from_knowledge, fallback_reply FROM chat_configs WHERE name = 'default'",
  );
  return {
    greeting: row?.greeting || DEFAULTS.greeting,
    answerFromKnowledge: row?.answer_from_knowledge ?? DEFAULTS.answerFromKnowledge,
    fallbackReply: row?.fallback_reply || DEFAULTS.fallbackReply,
  };
}
