import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadShippedRecords, readShippedRecords, RecordFileError } from '../platform/records/index.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';

const THEME = { key: 'tide', name: 'Tide', branding: { companyName: 'Tide Co' } };
const LAYOUT = { resource: 'contacts', list: ['name'] };

function shippedDir(files: Record<string, unknown>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-records-'));
  for (const [name, value] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), typeof value === 'string' ? value : JSON.stringify(value));
  }
  return root;
}

describe(`shipped themes and layouts (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  const rows = async () =>
    t.db.owner('test', async () => ({
      themes: (await t.db.rows<{ key: string }>('SELECT key FROM themes WHERE workspace_id IS NULL ORDER BY key')).map(
        (r) => r.key,
      ),
      layouts: (await t.db.rows<{ resource: string; version: number }>('SELECT resource, version FROM layout_definitions')).map(
        (r) => `${r.resource}@${r.version}`,
      ),
    }));

  before(async () => (t = await freshDatabase()));
  after(() => t.drop());

  it("the repository's own files are valid", () => {
    const { themes, layouts } = readShippedRecords();
    assert.ok(themes.some((x) => x.key === 'default'));
    assert.ok(layouts.some((x) => x.resource === 'contacts'));
  });

  it('loads them as defaults; a second load changes nothing', async () => {
    const root = shippedDir({ 'themes/tide.json': THEME, 'layouts/contacts.json': LAYOUT });
    assert.deepEqual(await loadShippedRecords(t.db, root), { themes: 1, layouts: 1 });
    assert.deepEqual(await rows(), { themes: ['tide'], layouts: ['contacts@1'] });
    await loadShippedRecords(t.db, root);
    assert.deepEqual(await rows(), { themes: ['tide'], layouts: ['contacts@1'] });
    fs.writeFileSync(path.join(root, 'layouts/contacts.json'), JSON.stringify({ ...LAYOUT, list: ['name', 'emails'] }));
    await loadShippedRecords(t.db, root);
    assert.deepEqual(await rows(), { themes: ['tide'], layouts: ['contacts@2'] });
  });

  it('refuses a broken file with its path and the JSON path at fault, and loads none of the others', async () => {
    const before = await rows();
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { 'themes/a.json': { ...THEME, key: 'other' }, 'themes/b.json': { ...THEME, key: 'Bad Key' } },
        /themes\/b\.json is invalid[\s\S]*\n {2}\/key: must match pattern/,
      ],
      [
        { 'themes/a.json': { ...THEME, key: 'other' }, 'layouts/x.json': '{ "resource": ' },
        /layouts\/x\.json is invalid[\s\S]*\n {2}\/: not JSON/,
      ],
      [
        { 'layouts/x.json': { resource: 'contacts', list: ['name'], colour: 'red' } },
        /layouts\/x\.json is invalid[\s\S]*\/: must NOT have additional properties \("colour"\)/,
      ],
      [{ 'themes/a.json': THEME, 'themes/b.json': THEME }, /themes\/ is invalid[\s\S]*"tide" is shipped twice/],
    ];
    for (const [files, message] of cases) {
      const root = shippedDir(files);
      await assert.rejects(loadShippedRecords(t.db, root), (err: Error) => {
        assert.ok(err instanceof RecordFileError, err.message);
        assert.match(err.message, message);
        return true;
      });
      assert.deepEqual(await rows(), before, 'nothing written');
    }
  });
});
