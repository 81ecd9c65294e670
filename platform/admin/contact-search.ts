import { FilterError, likeEscape, SEARCH_FILTER, type Bind } from './filter-conditions.js';

/** The longest search text taken: longer is no one's search, and each trigram of it is a lookup in the index. */
const MAX_SEARCH = 200;

/** What a phone number is written with: digits and the punctuation people put between them. */
const PHONE_WRITING = /^[\d\s+().\-/]+$/;

/** A national number with its trunk prefix (`020 7946 0000`) or an international one with `00` has this many digits or more. */
const FULL_NUMBER_DIGITS = 8;

/** A contact's name, organisation, emails and phones as one lower-case text, under a trigram index (migration 0021). */
const SEARCH_TEXT = '"search_text"';

/**
 * The digits a phone search looks for among the stored numbers (E.164, `+14155550100`): however
 * it is written, `(415) 555-0100`, `415-555-0100` and `+1 415 555 0100` give digits found inside
 * it. Leading zeros of a full number are a trunk or international prefix (`020…`, `0044…`),
 * which E.164 leaves out.
 */
function phoneDigits(text: string): string {
  const digits = text.replace(/\D/g, '');
  return digits.length >= FULL_NUMBER_DIGITS ? digits.replace(/^0+/, '') : digits;
}

/**
 * The condition of a contacts list's search box: part of the name, the organisation or any email
 * (in any case), or the digits of any phone. Null for an empty search, which filters nothing.
 */
export function contactSearchCondition(value: unknown, bind: Bind): string | null {
  const name = `filters.${SEARCH_FILTER}`;
  if (value !== null && typeof value === 'object') throw new FilterError(name, 'takes one text, not a range or a list');
  const text = String(value ?? '').trim();
  if (text === '') return null;
  if (text.length > MAX_SEARCH) throw new FilterError(name, `must be at most ${MAX_SEARCH} characters`);
  const wanted = PHONE_WRITING.test(text) && /\d/.test(text) ? phoneDigits(text) : text;
  return `${SEARCH_TEXT} LIKE lower(${bind(`%${likeEscape(wanted)}%`)})`;
}

/** One text of a filter on a contact's list column: refused when it is a range or a list, or too long; null when empty. */
function filterText(path: string, value: unknown): string | null {
  if (value !== null && typeof value === 'object')
    throw new FilterError(`filters.${path}`, 'takes one text, not a range or a list');
  const text = String(value ?? '').trim();
  if (text.length > MAX_SEARCH) throw new FilterError(`filters.${path}`, `must be at most ${MAX_SEARCH} characters`);
  return text === '' ? null : text;
}

/**
 * The contacts list's own filters: the search box, and its Emails and Phones filters (which a
 * layout may add), matched as people write them: an email in any case, a phone by its digits
 * (`(415) 555-0100` finds `+14155550100`).
 */
export const contactConditions: Record<string, (value: unknown, bind: Bind) => string | null> = {
  [SEARCH_FILTER]: contactSearchCondition,
  emails(value, bind) {
    const text = filterText('emails', value);
    return text === null ? null : `EXISTS (SELECT 1 FROM unnest("emails") AS e WHERE lower(e) = lower(${bind(text)}))`;
  },
  phones(value, bind) {
    const text = filterText('phones', value);
    if (text === null) return null;
    if (!PHONE_WRITING.test(text) || !/\d/.test(text)) throw new FilterError('filters.phones', 'is not a phone number');
    return `EXISTS (SELECT 1 FROM unnest("phones") AS p WHERE p LIKE ${bind(`%${phoneDigits(text)}%`)})`;
  },
};
