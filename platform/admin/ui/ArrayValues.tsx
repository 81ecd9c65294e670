import React from 'react';
import { listText } from './cell-text';

interface Props {
  property: { path: string };
  record: { params: Record<string, unknown> };
}

/** A list's values as AdminJS posts them, flattened (`emails.0`, `emails.1`), in their order. */
function valuesOf(params: Record<string, unknown>, path: string): string[] {
  const whole = params[path];
  if (Array.isArray(whole)) return whole.map(String);
  const prefix = `${path}.`;
  return Object.keys(params)
    .filter((key) => key.startsWith(prefix) && /^\d+$/.test(key.slice(prefix.length)))
    .sort((a, b) => Number(a.slice(prefix.length)) - Number(b.slice(prefix.length)))
    .map((key) => String(params[key]));
}

/**
 * A list in a list's cell (a contact's emails and phones), in place of AdminJS's "Length: 2":
 * the values themselves, the first few and how many more.
 */
const ArrayValues: React.FC<Props> = ({ property, record }) => <span>{listText(valuesOf(record.params, property.path))}</span>;

export default ArrayValues;
