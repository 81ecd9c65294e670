import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import test from 'node:test';
import { callTimes, completedPayload, completionKey, isRepeat, numberAsStored, remoteParty, transcriptOf } from '../lib/calls.js';

const manifest = JSON.parse(readFileSync(new URL('../manifest.json', import.meta.url), 'utf8'));

test('the contact is the caller of an inbound call and the called number of an outbound one', () => {
  assert.deepEqual(remoteParty({ from: '+14155550100', to: '+12135550147', callerName: ' Ann Lee ' }), {
    phone: '+14155550100',
    name: 'Ann Lee',
  });
  assert.deepEqual(remoteParty({ from: '+14155550100', callerName: '   ' }), { phone: '+14155550100' });
  assert.deepEqual(remoteParty({ direction: 'outbound', from: '+14155550100', to: '+12135550147', callerName: 'Our line' }), {
    phone: '+12135550147',
  });
});

test('a webhook is a repeat when the call is logged and it would change nothing', () => {
  assert.equal(isRepeat('call.started', undefined), false);
  assert.equal(isRepeat('call.completed', undefined), false);
  assert.equal(isRepeat('call.completed', 'started'), false, 'the completion of a started call is news');
  assert.equal(isRepeat('call.completed', 'completed'), true);
  assert.equal(isRepeat('call.started', 'started'), true);
  assert.equal(isRepeat('call.started', 'completed'), true, 'a late start does not reopen a completed call');
});

test("a call's start and end: as given, else worked out from the duration, else when the webhook came", () => {
  const now = new Date('2025-03-01T12:00:00Z');
  assert.deepEqual(callTimes({ event: 'call.started' }, now), { startedAt: '2025-03-01T12:00:00.000Z', endedAt: null });
  assert.deepEqual(
    callTimes({ event: 'call.started', startedAt: '2025-03-01T13:00:00+02:00' }, now).startedAt,
    '2025-03-01T11:00:00.000Z',
  );
  assert.deepEqual(callTimes({ event: 'call.completed', durationSeconds: 90 }, now), {
    startedAt: '2025-03-01T11:58:30.000Z',
    endedAt: '2025-03-01T12:00:00.000Z',
  });
  assert.deepEqual(callTimes({ event: 'call.completed', durationSeconds: 60, startedAt: '2025-03-01T09:00:00Z' }, now), {
    startedAt: '2025-03-01T09:00:00.000Z',
    endedAt: '2025-03-01T09:01:00.000Z',
  });
  assert.deepEqual(callTimes({ event: 'call.completed', durationSeconds: 60, endedAt: '2025-03-01T10:00:00Z' }, now), {
    startedAt: '2025-03-01T09:59:00.000Z',
    endedAt: '2025-03-01T10:00:00.000Z',
  });
});

test("the event's phone is the contact's stored number that the provider wrote, however formatted", () => {
  const phones = ['+442079460000', '+14155550100'];
  assert.equal(numberAsStored(phones, '+1 (415) 555-0100'), '+14155550100');
  assert.equal(numberAsStored(phones, '415.555.0100'), '+14155550100');
  assert.equal(numberAsStored(phones, '020 7946 0000'), '+442079460000');
  assert.equal(numberAsStored(phones, ' +33 1 23 45 67 89 '), '+33 1 23 45 67 89', 'not among them: as written');
  assert.equal(numberAsStored(phones, 'anonymous'), 'anonymous');
});

test('voice.call_completed carries the call, the contact and the transcript, and admits what the manifest says', () => {
  const ids = {
    callId: '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f',
    contactId: '0b9e8d7c-6f5a-4e3d-9c2b-1a0f9e8d7c6b',
    phone: '+14155550100',
  };
  const body = { event: 'call.completed', callId: 'CA1', from: '4155550100', durationSeconds: 42, transcript: '  Hello.  ' };
  assert.deepEqual(completedPayload(ids, body), { ...ids, externalId: 'CA1', durationSeconds: 42, text: 'Hello.' });
  const withRecording = completedPayload(ids, { ...body, transcript: undefined, recordingUrl: 'https://r.example/1.mp3' });
  assert.equal(withRecording.recordingUrl, 'https://r.example/1.mp3');
  assert.equal(withRecording.text, '', 'no transcript: empty text');

  const declared = manifest.events.emits.find((e) => e.name === 'voice.call_completed').payload;
  const example = declared.examples[0];
  assert.deepEqual(
    Object.keys(completedPayload(ids, { ...body, recordingUrl: 'https://r.example/1.mp3' })).sort(),
    Object.keys(example).sort(),
  );
  assert.deepEqual(Object.keys(declared.properties).sort(), Object.keys(example).sort(), 'the example shows every property');
  assert.deepEqual(
    declared.required,
    Object.keys(declared.properties).filter((p) => p !== 'recordingUrl'),
  );
});

test('the completion key is per provider call, within the shell limit of 200 characters', () => {
  assert.equal(completionKey('CA1'), 'voice:call:CA1:completed');
  assert.notEqual(completionKey('CA1'), completionKey('CA2'));
  const longest = manifest.routes[0].body.properties.callId.maxLength;
  assert.ok(completionKey('x'.repeat(longest)).length <= 200);
});

test('blank transcripts are none', () => {
  assert.equal(transcriptOf({}), '');
  assert.equal(transcriptOf({ transcript: ' \n ' }), '');
  assert.equal(transcriptOf({ transcript: ' Hi ' }), 'Hi');
});

test('every route names a handler file of this package', () => {
  for (const r of manifest.routes) assert.ok(existsSync(new URL(`../${r.handler}`, import.meta.url)), r.handler);
});
