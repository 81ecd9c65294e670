import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import test from 'node:test';
import { consentRecord, fieldsProblem, freeText, person } from '../handlers/submission.js';

const manifest = JSON.parse(readFileSync(new URL('../manifest.json', import.meta.url), 'utf8'));

test('the person comes from the conventional fields; blanks are no identity', () => {
  assert.deepEqual(person({ first_name: 'Dana', last_name: ' Reyes ', email: 'dana@example.com', phone: ' ', company: 'Acme' }), {
    name: 'Dana Reyes',
    organization: 'Acme',
    emails: ['dana@example.com'],
    phones: [],
  });
  assert.equal(person({ name: 'Sam', first_name: 'Ignored' }).name, 'Sam');
  assert.equal(person({ email: 'x@example.com' }).name, undefined);
});

test("the submission's text is what the person wrote, without who they are", () => {
  assert.equal(
    freeText({ name: 'Dana', email: 'd@example.com', topic: 'Injury', message: ' Hurt in a crash ', empty: '', count: 3 }),
    'Injury\nHurt in a crash',
  );
});

test('consent is recorded per reachable channel with the text, time and page', () => {
  const record = consentRecord(
    { slug: 'intake', consent_text: 'You may call me' },
    { emails: [], phones: ['+14155550100'] },
    { page: 'https://firm.example/contact', at: '2026-01-01T00:00:00.000Z' },
  );
  assert.deepEqual(record.submission, {
    given: true,
    text: 'You may call me',
    at: '2026-01-01T00:00:00.000Z',
    source: 'contact-forms:intake https://firm.example/contact',
  });
  assert.deepEqual(Object.keys(record.contact), ['phone']);
  assert.equal(record.contact.phone.status, 'granted');
});

test('every route names a handler file of this package, and every example payload names its fields', () => {
  for (const r of manifest.routes) assert.ok(existsSync(new URL(`../${r.handler}`, import.meta.url)), r.handler);
  for (const e of manifest.events.emits)
    for (const ex of e.payload.examples) for (const key of e.payload.required) assert.ok(key in ex, `${e.name}: ${key}`);
});

test("a form's fields must be a schema of an object with properties, or the form cannot take submissions", () => {
  assert.equal(fieldsProblem({ type: 'object', properties: { email: { type: 'string' } } }), undefined);
  assert.equal(fieldsProblem({ name: 'text' }), 'its "type" is null, not "object"');
  assert.equal(fieldsProblem({ type: 'text' }), 'its "type" is "text", not "object"');
  assert.equal(fieldsProblem({ type: 'object' }), 'it has no "properties" object');
  assert.equal(fieldsProblem(null), 'its "type" is null, not "object"');
});
