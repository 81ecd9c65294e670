/** Fields that identify the person rather than say something: kept out of the submission's text. */
const IDENTITY_FIELDS = new Set(['name', 'first_name', 'last_name', 'email', 'phone', 'company']);

const text = (value) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);

/**
 * Why a form's fields cannot check a submission, or undefined: they must be a JSON Schema of an
 * object with properties. The admin refuses any other; a form written before that, or by SQL,
 * may still hold one.
 */
export function fieldsProblem(schema) {
  if (schema?.type !== 'object') return `its "type" is ${JSON.stringify(schema?.type ?? null)}, not "object"`;
  const { properties } = schema;
  if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) return 'it has no "properties" object';
}

/** Why a form's fields cannot reach the person who fills them in, or undefined: a submission needs an email or a phone. */
export function reachProblem(schema) {
  const properties = schema?.properties ?? {};
  if (!('email' in properties) && !('phone' in properties))
    return 'the form needs a field named "email" or "phone": without one no submission can reach the person';
}

/** Who submitted: what the shell's contact upsert takes, read from the conventional field names. */
export function person(fields) {
  const name = text(fields.name) ?? [text(fields.first_name), text(fields.last_name)].filter(Boolean).join(' ');
  return {
    name: name || undefined,
    organization: text(fields.company),
    emails: text(fields.email) ? [text(fields.email)] : [],
    phones: text(fields.phone) ? [text(fields.phone)] : [],
  };
}

/** What the person wrote, for modules that read intent (LogicLegal): every other text field, in form order. */
export function freeText(fields) {
  return Object.entries(fields)
    .filter(([key, value]) => !IDENTITY_FIELDS.has(key) && text(value))
    .map(([, value]) => text(value))
    .join('\n');
}

/**
 * The consent record kept with the submission and given to the contact, per channel the person
 * can be reached on: what they agreed to, when, and where.
 */
export function consentRecord(form, who, { page, at }) {
  const source = `contact-forms:${form.slug}${page ? ` ${page}` : ''}`;
  const channels = [...(who.emails.length ? ['email'] : []), ...(who.phones.length ? ['phone'] : [])];
  return {
    submission: { given: true, text: form.consent_text, at, source },
    contact: Object.fromEntries(channels.map((c) => [c, { status: 'granted', source, at }])),
  };
}
