import { ValidationError } from '../errors/index.js';

/** How a webhook appears among an event's subscribers, its cursor's and its deliveries' (decision 0035). */
export const webhookSubscriber = (id: string): string => `webhook:${id}`;

/** The webhook id of a subscriber, or null when the subscriber is a module. */
export function webhookIdOf(subscriber: string): string | null {
  return subscriber.startsWith('webhook:') ? subscriber.slice('webhook:'.length) : null;
}

const EVENT = /^[a-z][a-z0-9_]*\.[a-z][a-z0-9]*(_[a-z0-9]+)+$/;
const WILDCARD = /^[a-z][a-z0-9_]*\.\*$/;

/**
 * The event names a webhook takes: exact names (`contact_forms.form_submitted`) or every event
 * of one producer (`contact_forms.*`; a module's events start with its id, `-` written `_`).
 * Returned without repeats; at least one, at most 100.
 */
export function checkEvents(raw: unknown, path = 'events'): string[] {
  if (!Array.isArray(raw) || raw.length === 0) throw new ValidationError(path, 'at least one event name is required');
  if (raw.length > 100) throw new ValidationError(path, 'at most 100 event names');
  raw.forEach((name, index) => {
    if (typeof name !== 'string' || !(EVENT.test(name) || WILDCARD.test(name)))
      throw new ValidationError(
        `${path}[${index}]`,
        `${JSON.stringify(name)} is neither an event name (module.event_name) nor every event of a module (module.*)`,
      );
  });
  return [...new Set(raw as string[])];
}
