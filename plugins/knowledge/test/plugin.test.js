import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import test from 'node:test';
import { entryUpdated } from '../handlers/entry-changed.js';
import { DOCUMENT, resultLimit } from '../handlers/search.js';

const manifest = JSON.parse(readFileSync(new URL('../manifest.json', import.meta.url), 'utf8'));
const migration = readFileSync(new URL('../migrations/0001-full-text-search.sql', import.meta.url), 'utf8');

test('the search uses the indexed expression, so the index serves it', () => {
  assert.ok(migration.includes(DOCUMENT), `${DOCUMENT} is not the indexed expression`);
});

test("a search's size: the caller's limit, else the workspace's setting, else 5", () => {
  assert.equal(resultLimit({ query: 'x', limit: 3 }, { resultLimit: 9 }), 3);
  assert.equal(resultLimit({ query: 'x' }, { resultLimit: 9 }), 9);
  assert.equal(resultLimit({ query: 'x' }), 5);
});

test('every gateway names a handler file of this package', () => {
  for (const g of manifest.gateways) assert.ok(existsSync(new URL(`../${g.handler}`, import.meta.url)), g.handler);
});

test('an edited entry is told with its title and state; a deleted one with its id alone', () => {
  const id = '5c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
  assert.deepEqual(entryUpdated({ action: 'updated', id, row: { title: 'Refunds', published: true } }), {
    entryId: id,
    action: 'updated',
    title: 'Refunds',
    published: true,
  });
  assert.deepEqual(entryUpdated({ action: 'deleted', id, row: null }), {
    entryId: id,
    action: 'deleted',
    title: '',
    published: false,
  });
});
