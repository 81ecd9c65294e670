import { withoutContactDetails } from './contact-details.js';

/** knowledge.search takes at most this many characters. */
const MAX_QUERY = 500;
/** Letters and digits of any script; a single one says nothing. */
const WORD = /[\p{L}\p{N}]{2,}/gu;

/**
 * The search for a visitor's message: its words joined with "or". Knowledge searches in web-search
 * syntax, where every word must appear: a whole sentence would rarely match, while any of its
 * words does, and entries matching more of them rank first. Only words are kept, so a visitor's
 * quotes or minus signs are not read as search operators, and contact details are not searched.
 */
export function searchQuery(text) {
  const words = withoutContactDetails(text).toLowerCase().match(WORD) ?? [];
  let query = '';
  for (const word of new Set(words.filter((w) => w !== 'or'))) {
    const longer = query ? `${query} or ${word}` : word;
    if (longer.length > MAX_QUERY) break;
    query = longer;
  }
  return query;
}

/** The reply made of a search result: the entry's title and its snippet, without the highlighting tags. */
export function replyFromResult(result) {
  const snippet = result.snippet
    .replace(/<\/?b>/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return {
    text: snippet ? `${result.title}: ${snippet}` : result.title,
    source: { entryId: result.entryId, title: result.title },
  };
}

/**
 * The bot's reply to a visitor's message: the best Knowledge entry when the configuration allows
 * it and one matches, else the fallback. Knowledge failing must not lose the visitor's message,
 * so its error is logged and the fallback sent; the gateway's own savepoint undid its work.
 */
export async function answer(ctx, config, text) {
  const fallback = { text: config.fallbackReply };
  const query = config.answerFromKnowledge ? searchQuery(text) : '';
  if (!query) return fallback;
  try {
    const { results } = await ctx.gateways.call('knowledge.search', { query, limit: 1 });
    return results.length > 0 ? replyFromResult(results[0]) : fallback;
  } catch (err) {
    ctx.log.warn({ err: err.message }, 'knowledge.search failed; sending the fallback reply');
    return fallback;
  }
}
