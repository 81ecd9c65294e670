import type { Webhook } from '../../../webhooks/index.js';

/** A webhook as one tab-separated line: id, URL, events, state, dead deliveries in a row. */
export function webhookLine(w: Webhook): string {
  const state = w.active ? 'active' : w.disabledReason ? `off (switched off: ${w.disabledReason})` : 'off';
  return [w.id, w.url, w.events.join(','), state, `${w.consecutiveDead} dead in a row`].join('\t');
}

/** `--events a.b_c,mod.*` as the list the entity checks (an empty member is refused there, by its index). */
export const eventList = (raw: string): string[] => raw.split(',').map((e) => e.trim());
