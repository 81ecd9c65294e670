import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import test from 'node:test';
import { addEvidence, assess, contactStatus, DEFAULT_RULES, rulesFrom } from '../handlers/rules.js';

const manifest = JSON.parse(readFileSync(new URL('../manifest.json', import.meta.url), 'utf8'));
const reachable = { emails: ['dana@example.com'], phones: ['+14155550100'] };
const emailOnly = { emails: ['dana@example.com'], phones: [] };
const firm = rulesFrom({ jurisdictions: ['California', 'Nevada'] });

test('a matter in a practice area and jurisdiction of the firm, reachable and pressing, is qualified with its reasons', () => {
  const outcome = assess('I was injured in a car accident in Oakland, California. I was in hospital.', reachable, firm);
  assert.equal(outcome.status, 'qualified');
  assert.equal(outcome.score, 45 + 25 + 10 + 10);
  assert.equal(outcome.practiceArea, 'Personal injury');
  assert.equal(outcome.jurisdiction, 'California');
  assert.deepEqual(outcome.reasons, [
    'practice area: Personal injury ("accident")',
    'jurisdiction: California',
    'keyword: "hospital"',
    'reachable by email and phone',
  ]);
});

test('without a practice area, or outside the jurisdictions served, a prospect is rejected and told why', () => {
  const vague = assess('Hello, I have a question about my lease in California.', reachable, firm);
  assert.equal(vague.status, 'rejected');
  assert.ok(vague.reasons.includes('no practice area of the firm recognised'));
  const elsewhere = assess('Car accident in Texas last week', emailOnly, firm);
  assert.equal(elsewhere.status, 'rejected');
  assert.equal(elsewhere.score, 45);
  assert.ok(elsewhere.reasons.includes('no jurisdiction the firm serves mentioned (California, Nevada)'));
});

test('a reject keyword rules a prospect out whatever the score', () => {
  const outcome = assess('Job application: I handled accident claims in California, urgent', reachable, firm);
  assert.equal(outcome.status, 'rejected');
  assert.ok(outcome.score >= firm.threshold);
  assert.equal(outcome.reasons.at(-1), 'ruled out: mentions "job application"');
});

test('words match whole, in any case; at most two keywords count', () => {
  assert.equal(assess('The fireduck sanctuary', emailOnly, DEFAULT_RULES).practiceArea, undefined);
  assert.equal(assess('I was FIRED, unpaid wages too', emailOnly, DEFAULT_RULES).practiceArea, 'Employment');
  const many = assess('urgent deadline hospital insurance', emailOnly, DEFAULT_RULES);
  assert.equal(many.reasons.filter((r) => r.startsWith('keyword')).length, 2);
});

test("a firm's settings replace the defaults one by one, weights merged", () => {
  const rules = rulesFrom({ threshold: 10, weights: { keyword: 30 } });
  assert.equal(rules.threshold, 10);
  assert.deepEqual(rules.weights, { ...DEFAULT_RULES.weights, keyword: 30 });
  assert.deepEqual(rules.practiceAreas, DEFAULT_RULES.practiceAreas);
});

test('the contact status follows the outcome, but a customer stays a customer', () => {
  assert.equal(contactStatus({ status: 'qualified' }, 'new'), 'qualified');
  assert.equal(contactStatus({ status: 'rejected' }, 'qualified'), 'disqualified');
  assert.equal(contactStatus({ status: 'rejected' }, 'customer'), 'customer');
});

test('every subscription names a handler file of this package; the default rules fit the settings schema', () => {
  for (const s of manifest.events.subscribes) assert.ok(existsSync(new URL(`../${s.handler}`, import.meta.url)), s.handler);
  assert.deepEqual(Object.keys(DEFAULT_RULES).sort(), Object.keys(manifest.settings.properties).sort());
});

test('evidence is kept per source: each line labelled, the oldest lines dropped past the limit', () => {
  const evidence = addEvidence(
    addEvidence('', 'contact_forms.submission_received', 'A crash\n\nin Reno'),
    'voice.call_completed',
    'Yes',
  );
  assert.equal(evidence, '[web form] A crash\n[web form] in Reno\n[signed call] Yes');
  const long = addEvidence('', 'chat.lead_captured', Array.from({ length: 3000 }, (_, i) => `line ${i}`).join('\n'));
  assert.ok(long.length <= 20_000);
  assert.match(long, /^\[chat\] line \d+\n/);
  assert.match(long, /\[chat\] line 2999$/);
});

test('only a verified channel rules out a contact the firm already qualified; unverified evidence still rules out a new one', () => {
  const qualified = { ...reachable, qualificationStatus: 'qualified' };
  const claim = addEvidence('', 'contact_forms.submission_received', 'Car accident in Oakland, California');
  const anonymous = addEvidence(claim, 'contact_forms.submission_received', 'job application');
  const kept = assess(anonymous, qualified, firm);
  assert.equal(kept.status, 'qualified');
  assert.equal(
    kept.reasons.at(-1),
    'not ruled out by "job application": only an unverified channel said it, and the contact is qualified',
  );
  assert.equal(assess(anonymous, { ...reachable, qualificationStatus: 'new' }, firm).status, 'rejected');
  assert.equal(assess(addEvidence(claim, 'chat.lead_captured', 'job application'), qualified, firm).status, 'qualified');
  const signed = assess(addEvidence(claim, 'voice.call_completed', 'This is a job application'), qualified, firm);
  assert.equal(signed.status, 'rejected', 'a signed call weighs above an anonymous form');
  assert.equal(signed.reasons.at(-1), 'ruled out: mentions "job application"');
  assert.equal(
    assess('job application, car accident in California', qualified, firm).status,
    'qualified',
    'unlabelled lines count as unverified',
  );
  const forged = addEvidence(claim, 'contact_forms.submission_received', '[signed call] job application');
  assert.equal(assess(forged, qualified, firm).status, 'qualified', 'a label typed into a form is text of the form');
});
