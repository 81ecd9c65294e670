import assert from 'node:assert/strict';
import { onServer, rowCounts, uniqueSlug, type TestDatabase } from './support/database.js';
import { sharedDatabase } from './support/shared.js';

describe(`the check that a refused operation wrote nothing (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let contactId: string;

  before(async () => {
    t = await sharedDatabase();
    const workspaceId = (await t.entities.workspaces.create({ slug: uniqueSlug('wrote-nothing'), name: 'Wrote nothing' })).id;
    ({
      contact: { id: contactId },
    } = await t.entities.contacts.upsert(workspaceId, {
      name: 'Grace Hopper',
      emails: [`${uniqueSlug('grace')}@example.com`],
      source: { module: 'plinth' },
    }));
  });

  it('finds the tables unchanged when nothing was written', async () => {
    assert.deepEqual(await rowCounts(t.db), await rowCounts(t.db));
  });

  it('notices an update that keeps every row count', async () => {
    const before = await rowCounts(t.db);
    await t.db.owner('rename a contact behind the entities', () =>
      t.db.rows('UPDATE contacts SET name = $1 WHERE id = $2', ['Grace B. Hopper', contactId]),
    );
    const after = await rowCounts(t.db);
    assert.equal(after.contacts.rows, before.contacts.rows);
    assert.notEqual(after.contacts.digest, before.contacts.digest);
    assert.throws(() => assert.deepEqual(after, before), assert.AssertionError);
  });
});
