import { ValidationError as AdminValidationError } from 'adminjs';
import type { Database } from '../db/index.js';
import { LEAD_SCORE } from '../entities/contact-values.js';
import {
  normalizeEmail,
  normalizePhone,
  STATUSES,
  WARMTHS,
  type ContactInput,
  type Contacts,
  type QualificationStatus,
} from '../entities/index.js';
import { ValidationError } from '../errors/index.js';

/** What the New contact form asks, in order: what a person knows when adding a contact by hand. */
export const NEW_CONTACT_FIELDS = ['name', 'organization', 'emails', 'phones', 'qualificationStatus', 'warmth', 'leadScore'];

/** Where a contact added in the admin came from, as its provenance says. */
const FROM_ADMIN = { module: 'plinth', channel: 'admin' } as const;

type FieldErrors = Record<string, { message: string }>;

/** A text field's value; blank is not given. */
function given(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = String(value).trim();
  return text === '' ? undefined : text;
}

/** A list field as AdminJS posts it (`emails.0`, `emails.1`, or the list whole), in order, blank entries left out. */
function listOf(params: Record<string, unknown>, path: string): { field: string; value: string }[] {
  const whole = params[path];
  const entries = Array.isArray(whole)
    ? whole.map((value, i) => [`${path}.${i}`, value] as const)
    : Object.entries(params)
        .filter(([key]) => key.startsWith(`${path}.`) && /^\d+$/.test(key.slice(path.length + 1)))
        .sort(([a], [b]) => Number(a.slice(path.length + 1)) - Number(b.slice(path.length + 1)));
  return entries.flatMap(([field, raw]) => {
    const value = given(raw);
    return value === undefined ? [] : [{ field, value }];
  });
}

/** A form field of AdminJS (`emails.0`) from the path an entity's refusal names (`emails[0]`). */
const fieldOf = (path: string): string => path.replace(/\[(\d+)\]/g, '.$1');

/** Lead score as the edit form words its refusals (the model's messages). */
function leadScoreOf(raw: unknown, errors: FieldErrors): number | undefined {
  const text = given(raw);
  if (text === undefined) return undefined;
  if (!/^\d{1,10}$/.test(text)) {
    errors.leadScore = { message: `Lead score must be a whole number from ${LEAD_SCORE.min} to ${LEAD_SCORE.max}` };
    return undefined;
  }
  const score = Number(text);
  if (score < LEAD_SCORE.min || score > LEAD_SCORE.max)
    errors.leadScore = { message: `Lead score must be ${LEAD_SCORE.min}–${LEAD_SCORE.max}` };
  return score;
}

function oneOf<T extends string>(raw: unknown, values: readonly T[], field: string, label: string, errors: FieldErrors) {
  const text = given(raw);
  if (text === undefined) return undefined;
  if (!(values as readonly string[]).includes(text)) errors[field] = { message: `${label} must be one of ${values.join(', ')}` };
  return text as T;
}

const refused = (errors: FieldErrors) =>
  new AdminValidationError(errors, { message: 'The contact was not added: see the fields marked' });

/**
 * The New contact action's write: the form's values checked field by field (every problem at
 * once, in words, beside its field), then the shell's upsert, which keeps the identities in step.
 * An email or phone that is already a contact's is refused, naming whose: the form makes a new
 * contact, it does not add to another one behind the admin's back. Nothing is written on a refusal.
 */
export function newContact(db: Database, contacts: Contacts, workspaceId: string) {
  return (params: Record<string, unknown>): Promise<Record<string, unknown>> =>
    db.app(workspaceId, async () => {
      const errors: FieldErrors = {};
      const check = <T>(field: string, fn: () => T): T | undefined => {
        try {
          return fn();
        } catch (err) {
          if (!(err instanceof ValidationError)) throw err;
          errors[field] = { message: err.message.slice(err.path!.length + 2) };
        }
      };
      const emails = listOf(params, 'emails').map((e) => ({
        ...e,
        value: check(e.field, () => normalizeEmail(e.value, e.field)),
      }));
      const phones = listOf(params, 'phones').map((p) => ({
        ...p,
        value: check(p.field, () => normalizePhone(p.value, p.field)),
      }));
      if (emails.length + phones.length === 0) {
        const message = 'A contact needs at least one email or phone';
        Object.assign(errors, { emails: { message }, phones: { message } });
      }
      const input: ContactInput = {
        name: given(params.name),
        organization: given(params.organization),
        emails: emails.map((e) => e.value!),
        phones: phones.map((p) => p.value!),
        qualificationStatus: oneOf<QualificationStatus>(
          params.qualificationStatus,
          STATUSES,
          'qualificationStatus',
          'Status',
          errors,
        ),
        warmth: oneOf(params.warmth, WARMTHS, 'warmth', 'Warmth', errors),
        leadScore: leadScoreOf(params.leadScore, errors),
        source: FROM_ADMIN,
      };
      if (Object.keys(errors).length > 0) throw refused(errors);
      const taken = await db.rows<{ kind: string; value: string; name: string }>(
        `SELECT i.kind, i.value, c.name FROM contact_identities i JOIN contacts c ON c.id = i.contact_id
          WHERE i.workspace_id = $1 AND (i.kind, i.value) IN (SELECT * FROM unnest($2::text[], $3::text[]))`,
        [workspaceId, [...emails.map(() => 'email'), ...phones.map(() => 'phone')], [...input.emails!, ...input.phones!]],
      );
      for (const { kind, value, name } of taken) {
        const entry = (kind === 'email' ? emails : phones).find((e) => e.value === value)!;
        errors[entry.field] = { message: `${value} is already the ${kind} of ${name || 'another contact'}` };
      }
      if (Object.keys(errors).length > 0) throw refused(errors);
      try {
        const { contact, created } = await contacts.upsert(workspaceId, input);
        // Another request took one of these identities since they were checked: this one adds nothing.
        if (!created) throw refused({ emails: { message: 'This email or phone was just added to another contact' } });
        return contact as unknown as Record<string, unknown>;
      } catch (err) {
        if (err instanceof ValidationError)
          throw refused({ [fieldOf(err.path!)]: { message: err.message.slice(err.path!.length + 2) } });
        throw err;
      }
    });
}
