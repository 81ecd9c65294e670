import { addEvidence, assess, contactStatus, rulesFrom } from './rules.js';

/**
 * Runs for every lead a form, a chat or a call captures: adds what the prospect said to their
 * evidence, labelled with its source (a signed call weighs above a form anyone can send),
 * scores it against this workspace's rules, updates the contact's status and lead score through
 * the shell, and emits the outcome when it changed (qualified or rejected).
 */
export default async function onLead(event, ctx) {
  const { contactId, text } = event.payload;
  const rules = rulesFrom(ctx.settings);
  const contact = await ctx.contacts.get(contactId).catch((err) => {
    if (err.code === 'not_found') return null;
    throw err;
  });
  // Deleted since the lead was captured: nobody is left to qualify.
  if (!contact) return;
  // Two deliveries about one new prospect must not both start from no evidence.
  await ctx.lock(`prospect:${contactId}`);
  const [before] = await ctx.query('SELECT id, status, score, evidence FROM legal_prospects WHERE contact_id = $1 FOR UPDATE', [
    contactId,
  ]);
  const evidence = addEvidence(before?.evidence, event.name, text);
  const outcome = assess(evidence, contact, rules);
  const [prospect] = await ctx.query(
    `INSERT INTO legal_prospects (workspace_id, contact_id, status, score, practice_area, jurisdiction, reasons, evidence, assessed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
     ON CONFLICT (workspace_id, contact_id) DO UPDATE SET status = EXCLUDED.status, score = EXCLUDED.score,
       practice_area = EXCLUDED.practice_area, jurisdiction = EXCLUDED.jurisdiction, reasons = EXCLUDED.reasons,
       evidence = EXCLUDED.evidence, assessed_at = now(), updated_at = now()
     RETURNING id`,
    [
      ctx.workspace.id,
      contactId,
      outcome.status,
      outcome.score,
      outcome.practiceArea ?? null,
      outcome.jurisdiction ?? null,
      JSON.stringify(outcome.reasons),
      evidence,
    ],
  );
  const changed = !before || before.status !== outcome.status;
  if (!changed && Number(before.score) === outcome.score) return;
  const identity = contact.emails.length > 0 ? { emails: contact.emails.slice(0, 1) } : { phones: contact.phones.slice(0, 1) };
  await ctx.contacts.upsert({
    ...identity,
    qualificationStatus: contactStatus(outcome, contact.qualificationStatus),
    leadScore: outcome.score,
    channel: 'assessment',
    ref: prospect.id,
  });
  // The outcome is news only when it changes; a new score alone is kept on the contact.
  if (!changed) return;
  await ctx.events.emit(
    outcome.status === 'qualified' ? 'logiclegal.prospect_qualified' : 'logiclegal.prospect_rejected',
    {
      prospectId: prospect.id,
      contactId,
      score: outcome.score,
      threshold: rules.threshold,
      ...(outcome.practiceArea && { practiceArea: outcome.practiceArea }),
      ...(outcome.jurisdiction && { jurisdiction: outcome.jurisdiction }),
      reasons: outcome.reasons,
      source: { event: event.name, eventId: event.id },
    },
    { contactId, idempotencyKey: `logiclegal:${event.deliveryId}` },
  );
}
