/** The rules a firm starts with until it configures its own (each setting replaces its default). */
export const DEFAULT_RULES = {
  practiceAreas: [
    { name: 'Personal injury', keywords: ['accident', 'injury', 'injured', 'crash', 'collision', 'slip and fall', 'whiplash'] },
    { name: 'Family law', keywords: ['divorce', 'custody', 'child support', 'separation', 'alimony'] },
    {
      name: 'Employment',
      keywords: ['fired', 'wrongful termination', 'harassment', 'discrimination', 'unpaid wages', 'overtime'],
    },
  ],
  jurisdictions: [],
  keywords: ['urgent', 'deadline', 'hospital', 'court date', 'statute of limitations', 'insurance'],
  rejectKeywords: ['job application', 'unsubscribe', 'just browsing', 'seo services'],
  weights: { practiceArea: 45, jurisdiction: 25, keyword: 10, reachable: 10 },
  threshold: 60,
};

/**
 * Where evidence comes from, as its lines are labelled. A call arrives signed by the telephony
 * provider; a web form or a chat can be sent by anyone, in anyone's name. A line without a
 * label (kept before labels) counts as unverified.
 */
export const SOURCES = {
  'voice.call_completed': { label: 'signed call', verified: true },
  'contact_forms.submission_received': { label: 'web form', verified: false },
  'chat.lead_captured': { label: 'chat', verified: false },
};
const VERIFIED_LABELS = new Set(
  Object.values(SOURCES)
    .filter((s) => s.verified)
    .map((s) => s.label),
);
const LABELLED = /^\[([^\]]+)\] (.*)$/;

/** Statuses the firm already established: unverified evidence alone never rules these out. */
const ESTABLISHED = new Set(['engaged', 'qualified', 'customer']);

/** How much of what a prospect said is kept to assess them again: the newest lines. */
const EVIDENCE_CHARS = 20_000;

/** The evidence with what an event's source said added, each line labelled with its source; the oldest lines go first past the limit. */
export function addEvidence(evidence, eventName, text) {
  const label = SOURCES[eventName]?.label ?? eventName;
  const lines = [
    ...(evidence ? evidence.split('\n') : []),
    ...(text ?? '')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => `[${label}] ${line}`),
  ];
  let length = lines.reduce((sum, line) => sum + line.length + 1, -1);
  let first = 0;
  while (first < lines.length - 1 && length > EVIDENCE_CHARS) length -= lines[first++].length + 1;
  return lines.slice(first).join('\n');
}

/** The evidence's lines without their labels, split by whether a verified source said them. */
function bySource(evidence) {
  const lines = evidence.split('\n').map((line) => {
    const [, label, said] = LABELLED.exec(line) ?? [null, null, line];
    return { said, verified: VERIFIED_LABELS.has(label) };
  });
  const text = (keep) =>
    lines
      .filter(keep)
      .map((l) => l.said)
      .join('\n');
  return { all: text(() => true), verified: text((l) => l.verified), unverified: text((l) => !l.verified) };
}

/** At most this many keywords count: a long rant is not a stronger case. */
const KEYWORDS_COUNTED = 2;

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Whole words and phrases, any case: "injury" matches "Injury," but "fired" does not match "fireduck". */
const mentions = (text, phrase) => new RegExp(`(^|[^\\p{L}\\p{N}])${escape(phrase)}($|[^\\p{L}\\p{N}])`, 'iu').test(text);

export function rulesFrom(settings = {}) {
  return { ...DEFAULT_RULES, ...settings, weights: { ...DEFAULT_RULES.weights, ...settings.weights } };
}

/**
 * Scores what a prospect said (every channel's text so far) against the firm's rules: a
 * practice area, a jurisdiction served (any, when the firm lists none), pressing keywords, and
 * whether the firm can reach them by both email and phone. A reject keyword rules them out
 * whatever the score, unless only unverified channels said it and the contact's status is one
 * the firm already established: anyone can type a client's email into a public form. Every
 * point given or withheld is a reason.
 */
export function assess(labelledEvidence, contact, rules) {
  const said = bySource(labelledEvidence);
  const evidence = said.all;
  const reasons = [];
  let score = 0;
  const area = rules.practiceAreas
    .map((a) => ({ name: a.name, word: a.keywords.find((k) => mentions(evidence, k)) }))
    .find((a) => a.word);
  if (area) {
    score += rules.weights.practiceArea;
    reasons.push(`practice area: ${area.name} ("${area.word}")`);
  } else reasons.push('no practice area of the firm recognised');
  const jurisdiction = rules.jurisdictions.find((j) => mentions(evidence, j));
  if (rules.jurisdictions.length === 0 || jurisdiction) {
    score += rules.weights.jurisdiction;
    if (jurisdiction) reasons.push(`jurisdiction: ${jurisdiction}`);
  } else reasons.push(`no jurisdiction the firm serves mentioned (${rules.jurisdictions.join(', ')})`);
  const pressing = rules.keywords.filter((k) => mentions(evidence, k)).slice(0, KEYWORDS_COUNTED);
  score += pressing.length * rules.weights.keyword;
  for (const k of pressing) reasons.push(`keyword: "${k}"`);
  if (contact.emails.length > 0 && contact.phones.length > 0) {
    score += rules.weights.reachable;
    reasons.push('reachable by email and phone');
  }
  score = Math.min(100, score);
  const rejectIn = (text) => rules.rejectKeywords.find((k) => mentions(text, k));
  let ruledOut = rejectIn(said.verified);
  const unverified = !ruledOut && rejectIn(said.unverified);
  if (unverified && ESTABLISHED.has(contact.qualificationStatus))
    reasons.push(
      `not ruled out by "${unverified}": only an unverified channel said it, and the contact is ${contact.qualificationStatus}`,
    );
  else ruledOut ||= unverified;
  if (ruledOut) reasons.push(`ruled out: mentions "${ruledOut}"`);
  const status = !ruledOut && score >= rules.threshold ? 'qualified' : 'rejected';
  return { status, score, practiceArea: area?.name, jurisdiction, reasons };
}

/** The contact's status for an assessment; a customer stays a customer. */
export function contactStatus(assessment, current) {
  if (current === 'customer') return 'customer';
  return assessment.status === 'qualified' ? 'qualified' : 'disqualified';
}
