import { consentRecord, fieldsProblem, freeText, person } from './submission.js';

const refuse = (status, error) => ({ status, body: { error } });

/**
 * A form whose fields are not a usable schema is the workspace's fault, not the sender's: the
 * sender is told to come back later, and the log says what to fix.
 */
function broken(form, problem, ctx) {
  ctx.log.error(
    { form: form.slug, problem },
    'form cannot take submissions: its fields are not a usable JSON Schema of an object',
  );
  return refuse(503, `form "${form.slug}" cannot take submissions until this workspace fixes it; try again later`);
}

/**
 * POST /m/contact-forms/<workspace>/<form>: checks the submission against the form's own schema
 * and consent, keeps it, turns it into a contact through the shell, and emits
 * contact_forms.submission_received. The shell has already checked the body's shape and size
 * and the sender's rate.
 */
export default async function submit(request, ctx) {
  const { fields, consent, website, page } = request.body;
  const [form] = await ctx.query(
    'SELECT id, slug, fields, consent_text, success_message FROM contact_forms WHERE slug = $1 AND active',
    [request.params.form],
  );
  if (!form) return refuse(404, `no active form "${request.params.form}" in this workspace`);
  const thanks = { status: 201, body: { received: true, message: form.success_message || 'Thank you: we will be in touch.' } };
  // A bot fills the hidden field: it gets the answer a person gets, and nothing is kept.
  if (website) {
    ctx.log.info({ form: form.slug }, 'submission dropped: honeypot filled');
    return thanks;
  }
  const unusable = fieldsProblem(form.fields);
  if (unusable) return broken(form, unusable, ctx);
  let problems;
  try {
    problems = ctx.validate(form.fields, fields);
  } catch (err) {
    return broken(form, err.message, ctx);
  }
  if (problems.length > 0) return refuse(400, problems.map((p) => `fields${p.path}: ${p.message}`).join('; '));
  if (form.consent_text && consent !== true) return refuse(400, `consent: this form needs consent to "${form.consent_text}"`);
  const who = person(fields);
  if (who.emails.length + who.phones.length === 0) return refuse(400, 'fields: an email or a phone is needed to reach you');

  const at = new Date().toISOString();
  const consents = form.consent_text ? consentRecord(form, who, { page, at }) : null;
  const { contact } = await ctx.contacts.upsert({
    ...who,
    defaultCountry: ctx.settings.defaultCountry,
    consent: consents?.contact,
    channel: 'web-form',
    ref: form.slug,
  });
  const [submission] = await ctx.query(
    `INSERT INTO contact_submissions (workspace_id, form_id, contact_id, data, consent, page)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [
      ctx.workspace.id,
      form.id,
      contact.id,
      JSON.stringify(fields),
      consents && JSON.stringify(consents.submission),
      page ?? null,
    ],
  );
  await ctx.events.emit(
    'contact_forms.submission_received',
    { submissionId: submission.id, form: form.slug, contactId: contact.id, text: freeText(fields), fields },
    { contactId: contact.id },
  );
  return thanks;
}
