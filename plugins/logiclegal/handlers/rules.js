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
 * whatever the score. Every point given or withheld is a reason.
 */
export function assess(evidence, contact, rules) {
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
  const ruledOut = rules.rejectKeywords.find((k) => mentions(evidence, k));
  if (ruledOut) reasons.push(`ruled out: mentions "${ruledOut}"`);
  const status = !ruledOut && score >= rules.threshold ? 'qualified' : 'rejected';
  return { status, score, practiceArea: area?.name, jurisdiction, reasons };
}

/** The contact's status for an assessment; a customer stays a customer. */
export function contactStatus(assessment, current) {
  if (current === 'customer') return 'customer';
  return assessment.status === 'qualified' ? 'qualified' : 'disqualified';
}
