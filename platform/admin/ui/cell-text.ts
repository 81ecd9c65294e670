/** How many of a list's values a list cell shows before "+N more". */
const SHOWN = 3;

/** A list's values as a list cell shows them: the first few, then how many more (a contact's emails). */
export function listText(values: unknown[]): string {
  const more = values.length - SHOWN;
  return `${values.slice(0, SHOWN).map(String).join(', ')}${more > 0 ? ` +${more} more` : ''}`;
}

/**
 * A value as a list cell shows it, for the layout editor's preview to show it the same way: a list
 * as its values, an object as its fields, the rest as text.
 */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return listText(value.map(cellText));
  if (typeof value === 'object')
    return Object.entries(value as Record<string, unknown>)
      .map(([key, inner]) => `${key}: ${typeof inner === 'object' && inner !== null ? JSON.stringify(inner) : String(inner)}`)
      .join('; ');
  return String(value);
}
