import { UI } from './ui.js';

/**
 * List columns (a contact's emails, a module's `array` columns) in the filter drawer: AdminJS
 * draws nothing there for a list, so a filter a layout added said "Published" and never showed.
 * Each gets a text field; the resource decides how it matches.
 */
export function arrayFilterProperties(names: string[]): Record<string, object> {
  return Object.fromEntries(names.map((name) => [name, { components: { filter: UI.ArrayFilter } }]));
}
