/** The search expression: the same text as the index in migrations/0001-full-text-search.sql. */
export const DOCUMENT = "to_tsvector('english', title || ' ' || body)";

/** How many results a search returns: the caller's limit, else this workspace's setting, else 5. */
export function resultLimit(input, settings = {}) {
  return input.limit ?? settings.resultLimit ?? 5;
}

/**
 * knowledge.search: published entries of this workspace matching the question (web-search
 * syntax: words, "phrases", -exclusions), best first. Row-level security keeps it to the
 * workspace the caller runs in.
 */
export default async function search(input, ctx) {
  const rows = await ctx.query(
    `SELECT id, title,
            ts_headline('english', body, q, 'MaxFragments=1, MaxWords=30, MinWords=10') AS snippet,
            ts_rank(${DOCUMENT}, q) AS rank
       FROM kb_entries, websearch_to_tsquery('english', $1) AS q
      WHERE published AND ${DOCUMENT} @@ q
      ORDER BY rank DESC, updated_at DESC
      LIMIT $2`,
    [input.query, resultLimit(input, ctx.settings)],
  );
  return { results: rows.map((r) => ({ entryId: r.id, title: r.title, snippet: r.snippet, rank: Number(r.rank) })) };
}
