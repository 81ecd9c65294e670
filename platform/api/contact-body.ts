import { normalizeEmail, normalizePhone, type ContactChanges, type ContactInput } from '../entities/index.js';
import { ValidationError } from '../errors/index.js';
import { InvalidInputError } from '../http/problem.js';
import type { ProblemInput } from '../http/problem.js';
import { CONTACT_CHANGES_SCHEMA, CONTACT_INPUT_SCHEMA } from './contact-schemas.js';

/** The members a contact body may have: the contact contract less its source, which the API sets. */
const MEMBERS = Object.keys(CONTACT_INPUT_SCHEMA.properties);

/** What an update may set; identities and consent come only with a capture. */
const CHANGES = Object.keys(CONTACT_CHANGES_SCHEMA.properties);

/** Where a contact written through the API came from, as its provenance says. */
export const FROM_API = { module: 'plinth', channel: 'api' } as const;

/** A JSON pointer from the path an entity's refusal names (`emails[0]`, `consent.sms.status`, `source.ref`; `contact`, the whole). */
export const pointerOf = (path: string): string =>
  path === 'contact'
    ? ''
    : `/${path
        .replace(/^source\./, '')
        .replace(/\[(\d+)\]/g, '.$1')
        .split('.')
        .join('/')}`;

/**
 * A create's body as the contacts entity takes it. What the entity would refuse one at a time is
 * gathered here where it can be (unknown members, each email and phone), so a caller learns every
 * field at fault at once; the entity's own checks still decide the rest.
 */
export function contactBody(body: unknown): ContactInput {
  const given = objectBody(body);
  const faults: ProblemInput[] = Object.keys(given)
    .filter((key) => !MEMBERS.includes(key))
    .map((key) => ({ pointer: `/${key}`, detail: `"${key}" is not a member of a contact; use ${MEMBERS.join(', ')}` }));
  const each = (key: 'emails' | 'phones', check: (value: unknown, path: string) => unknown) => {
    const list = given[key];
    if (!Array.isArray(list)) return;
    list.forEach((value, i) => {
      try {
        check(value, `${key}[${i}]`);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        faults.push({ pointer: pointerOf(err.path!), detail: err.message.slice(err.path!.length + 2) });
      }
    });
  };
  each('emails', normalizeEmail);
  each('phones', (value, path) =>
    normalizePhone(value, path, typeof given.defaultCountry === 'string' ? given.defaultCountry : undefined),
  );
  if (faults.length > 0) throw new InvalidInputError(faults);
  const { ref, ...contact } = given as Omit<ContactInput, 'source'> & { ref?: string };
  return { ...contact, source: { ...FROM_API, ...(ref !== undefined && { ref }) } };
}

/** An entity's refusal of a body, as a problem naming the member at fault. */
export function asBodyError(err: unknown): unknown {
  if (!(err instanceof ValidationError) || err instanceof InvalidInputError || err.path === undefined) return err;
  return new InvalidInputError([{ pointer: pointerOf(err.path), detail: err.message.slice(err.path.length + 2) }]);
}

/** An update's body as the contacts entity takes it; a member it may not set is named, with where it is set instead. */
export function contactChanges(body: unknown): ContactChanges {
  const given = objectBody(body);
  const faults: ProblemInput[] = Object.keys(given)
    .filter((key) => !CHANGES.includes(key))
    .map((key) => ({
      pointer: `/${key}`,
      detail: MEMBERS.includes(key)
        ? `"${key}" is added by a capture (POST /contacts), which keeps one person one contact`
        : `"${key}" is not a member of a contact; an update sets ${CHANGES.join(', ')}`,
    }));
  if (faults.length > 0) throw new InvalidInputError(faults);
  return given;
}

function objectBody(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new InvalidInputError([{ pointer: '', detail: 'the body must be a JSON object (Content-Type: application/json)' }]);
  return body as Record<string, unknown>;
}
