import type { RJSFSchema } from '@rjsf/utils';
import { childSchema, entryNoun, inSentence, labelOf, placeOf } from './settings-labels';

const isEmpty = (value: unknown): boolean =>
  value === undefined ||
  value === null ||
  value === '' ||
  (Array.isArray(value) && value.length === 0) ||
  (typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const listed = (items: string[]): string =>
  items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;

/**
 * What saving `after` over the stored `before` would remove, in words: entries gone from a list
 * ("3 practice areas", "1 keyword from practice area 2") and values gone ("the threshold").
 * A list that lost entries is counted, not compared entry by entry: its entries have moved.
 */
function removals(before: unknown, after: unknown, root: RJSFSchema): string[] {
  const found: string[] = [];
  const walk = (was: unknown, now: unknown, path: string[], schema: RJSFSchema | undefined) => {
    if (isEmpty(was)) return;
    const key = path.at(-1) ?? '';
    const label = labelOf(schema, key);
    const where = path.length > 1 ? ` from ${inSentence(placeOf(path.slice(0, -1), root))}` : '';
    if (Array.isArray(was)) {
      const kept = Array.isArray(now) ? now.length : 0;
      if (kept < was.length) {
        const gone = was.length - kept;
        const noun = gone === 1 ? entryNoun(schema ?? {}, label, root) : label;
        found.push(`${gone} ${inSentence(noun)}${where}`);
      } else
        was.forEach((entry, i) => walk(entry, (now as unknown[])[i], [...path, String(i)], childSchema(schema, String(i), root)));
    } else if (isEmpty(now)) {
      found.push(`the ${inSentence(label)}${where.replace(' from ', ' of ')}`);
    } else if (isRecord(was) && isRecord(now)) {
      for (const k of Object.keys(was)) walk(was[k], now[k], [...path, k], childSchema(schema, k, root));
    }
  };
  if (isRecord(before))
    for (const k of Object.keys(before)) walk(before[k], isRecord(after) ? after[k] : undefined, [k], childSchema(root, k, root));
  return found;
}

/** The question asked before a save that removes something, or null when it removes nothing. */
export function removalQuestion(before: unknown, after: unknown, root: RJSFSchema): string | null {
  const gone = removals(before, after, root);
  return gone.length === 0 ? null : `This removes ${listed(gone)}. Save anyway?`;
}
