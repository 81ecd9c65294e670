import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import test from 'node:test';
import { answer, replyFromResult, searchQuery } from '../lib/answer.js';
import { chatConfig, DEFAULTS } from '../lib/config.js';
import { contactDetails, findEmails, findPhones, withoutContactDetails } from '../lib/contact-details.js';
import { hashToken, newToken, tokenMatches } from '../lib/token.js';

const manifest = JSON.parse(readFileSync(new URL('../manifest.json', import.meta.url), 'utf8'));

test('finds email addresses in a sentence, without the punctuation around them', () => {
  assert.deepEqual(findEmails('Write to Ann@Example.com.'), ['Ann@Example.com']);
  assert.deepEqual(findEmails('(dana.reyes+law@mail.example.co.uk), or ann@example.com!'), [
    'dana.reyes+law@mail.example.co.uk',
    'ann@example.com',
  ]);
  assert.deepEqual(findEmails('me: ann@example.com and again ANN@example.com'), ['ann@example.com'], 'once, whatever the case');
  assert.deepEqual(findEmails('<b.o@x-y.io>'), ['b.o@x-y.io']);
});

test('finds no email address where there is none', () => {
  for (const text of [
    'ann@example',
    '@handle on twitter',
    'a @ b.com',
    'user@@example.com',
    'ann@.com',
    'ann@-x.com',
    'mail me at ann(at)example.com',
  ])
    assert.deepEqual(findEmails(text), [], text);
});

test('finds phone numbers as people write them: 7 to 15 digits with spaces, dots, dashes, brackets', () => {
  assert.deepEqual(findPhones('Call me on (415) 555-2671.'), ['(415) 555-2671']);
  assert.deepEqual(findPhones('+1 415 555 2671, or 415.555.0134'), ['+1 415 555 2671', '415.555.0134']);
  assert.deepEqual(findPhones('+44 20 7946 0958'), ['+44 20 7946 0958']);
  assert.deepEqual(findPhones('my cell is 555-1234'), ['555-1234']);
  assert.deepEqual(findPhones('tel:+14155552671'), ['+14155552671']);
});

test('finds no phone number in dates, amounts, short numbers, addresses or emails', () => {
  for (const text of [
    'the accident was on 2024-03-15',
    'on 15.03.2024 at 10:30',
    'on 03/15/2024',
    'they offered $25,000 and then 1,500,000',
    'case 12345, zip 94105',
    'server 192.168.100.10',
    'pi is 3.14159265',
    'write to ann+4155552671@example.com',
    '1234567890123456789 is too long for a phone',
  ])
    assert.deepEqual(findPhones(text), [], text);
});

test('contact details of a text, and the text without them', () => {
  const text = 'I am Dana, dana@example.com or (415) 555-2671; was hit by a car';
  assert.deepEqual(contactDetails(text), { emails: ['dana@example.com'], phones: ['(415) 555-2671'] });
  assert.doesNotMatch(withoutContactDetails(text), /dana@|555/);
  assert.match(withoutContactDetails(text), /hit by a car/);
});

test("a question's search: its words, any of them, without operators or contact details", () => {
  assert.equal(searchQuery('Car accident in "California" -- help?'), 'car or accident or in or california or help');
  assert.equal(searchQuery('This or that: -refunds'), 'this or that or refunds');
  assert.equal(searchQuery('reach me at ann@example.com'), 'reach or me or at');
  assert.equal(searchQuery('?! …'), '');
  const long = searchQuery(Array.from({ length: 400 }, (_, i) => `word${i}`).join(' '));
  assert.ok(long.length <= 500 && long.startsWith('word0 or word1'), long.slice(0, 40));
});

test("a reply is the entry's title and its snippet without highlighting tags", () => {
  const result = {
    entryId: '0b9a8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d',
    title: 'Car accidents',
    snippet: 'We represent people hurt in <b>car</b> <b>accidents</b>\n across   California',
    rank: 0.1,
  };
  assert.deepEqual(replyFromResult(result), {
    text: 'Car accidents: We represent people hurt in car accidents across California',
    source: { entryId: result.entryId, title: 'Car accidents' },
  });
  assert.equal(replyFromResult({ ...result, snippet: '' }).text, 'Car accidents');
});

test('the answer: the best entry, else the fallback, also when Knowledge fails or is not to be asked', async () => {
  const config = { ...DEFAULTS, fallbackReply: 'We will call you.' };
  const asked = [];
  const logged = [];
  const ctx = (call) => ({
    gateways: { call: async (name, input) => (asked.push({ name, input }), call()) },
    log: { warn: (...args) => logged.push(args) },
  });
  const hit = { entryId: '0b9a8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d', title: 'Fees', snippet: '<b>Free</b> first call', rank: 1 };
  assert.equal(
    (
      await answer(
        ctx(() => ({ results: [hit] })),
        config,
        'Is it free?',
      )
    ).text,
    'Fees: Free first call',
  );
  assert.deepEqual(asked, [{ name: 'knowledge.search', input: { query: 'is or it or free', limit: 1 } }]);
  assert.deepEqual(
    await answer(
      ctx(() => ({ results: [] })),
      config,
      'Is it free?',
    ),
    { text: 'We will call you.' },
  );
  const failing = ctx(() => {
    throw new Error('gateway "knowledge.search": no installed module provides it');
  });
  assert.deepEqual(await answer(failing, config, 'Is it free?'), { text: 'We will call you.' });
  assert.match(logged[0][0].err, /no installed module/);
  asked.length = 0;
  assert.deepEqual(
    await answer(
      ctx(() => ({ results: [hit] })),
      { ...config, answerFromKnowledge: false },
      'Is it free?',
    ),
    {
      text: 'We will call you.',
    },
  );
  assert.deepEqual(asked, [], 'Knowledge is not asked when the configuration says not to');
});

test("the configuration: the workspace's default row, with the defaults for what it leaves empty", async () => {
  const ctx = (rows) => ({ query: async () => rows });
  assert.deepEqual(await chatConfig(ctx([])), DEFAULTS);
  const row = { greeting: 'Hi from Alder & Finch', answer_from_knowledge: false, fallback_reply: null };
  assert.deepEqual(await chatConfig(ctx([row])), {
    greeting: 'Hi from Alder & Finch',
    answerFromKnowledge: false,
    fallbackReply: DEFAULTS.fallbackReply,
  });
});

test('a token is 64 random hex digits; only its SHA-256 is kept, and only the token matches it', async () => {
  const token = newToken();
  assert.match(token, /^[0-9a-f]{64}$/);
  assert.notEqual(newToken(), token);
  assert.equal(await hashToken(token), createHash('sha256').update(token).digest('hex'));
  assert.ok(await tokenMatches(token, await hashToken(token)));
  assert.ok(!(await tokenMatches(newToken(), await hashToken(token))));
  assert.ok(!(await tokenMatches(token, 'abc')), 'a malformed stored hash matches nothing');
});

test('the routes accept the token format the conversations hand out', () => {
  const post = manifest.routes.find((r) => r.handler === 'handlers/post-message.js');
  assert.match(newToken(), new RegExp(post.body.properties.token.pattern));
});

test('every route names a handler file of this package', () => {
  for (const r of manifest.routes) assert.ok(existsSync(new URL(`../${r.handler}`, import.meta.url)), r.handler);
});
