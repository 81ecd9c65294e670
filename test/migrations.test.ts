import assert from 'node:assert/strict';
import { migrateDown, migrateUp, migrationStatus } from '../platform/db/index.js';
import { shellMigrations } from '../platform/db/migrations/index.js';
import { SHELL_ENTITIES } from '../platform/manifests/index.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';

describe(`shell migrations and roles (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  before(async () => {
    t = await freshDatabase({ migrate: false });
  });
  after(() => t.drop());

  const tables = (): Promise<{ tablename: string; tableowner: string }[]> =>
    t.db.unit({ role: 'connection' }, () =>
      t.db.rows("SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"),
    );

  it('reports every migration pending on an empty database, and writes nothing to say so', async () => {
    const status = await migrationStatus(t.db);
    assert.deepEqual(status, { executed: [], pending: shellMigrations.map((m) => m.name) });
    assert.deepEqual(await tables(), []);
  });

  it("creates the shell's tables, each a name no module table may take, all owned by the owner role", async () => {
    assert.deepEqual(
      await migrateUp(t.db),
      shellMigrations.map((m) => m.name),
    );
    const found = await tables();
    // A partition of the event log is reached through its parent, never by its own name.
    const partitions = await t.db.unit({ role: 'connection' }, () =>
      t.db.rows<{ relname: string }>(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relispartition",
      ),
    );
    const shellTables = found
      .map((f) => f.tablename)
      .filter((name) => !partitions.some((p) => p.relname === name))
      .sort();
    assert.deepEqual([...SHELL_ENTITIES].sort(), shellTables, 'SHELL_ENTITIES names every shell table, and only those');
    for (const f of found) assert.equal(f.tableowner, t.db.roles.owner, `${f.tablename} is owned by ${f.tableowner}`);
    assert.deepEqual((await migrationStatus(t.db)).pending, []);
    assert.deepEqual(await migrateUp(t.db), [], 'a second run applies nothing');
  });

  it('gives contacts a column for every required field of the contract', async () => {
    const columns = await t.db.unit({ role: 'connection' }, () =>
      t.db.rows<{ column_name: string }>("SELECT column_name FROM information_schema.columns WHERE table_name = 'contacts'"),
    );
    const names = columns.map((c) => c.column_name);
    for (const field of [
      'id',
      'workspace_id',
      'name',
      'organization',
      'phones',
      'emails',
      'provenance',
      'qualification_status',
      'lead_score',
      'warmth',
      'consent',
      'metadata',
      'created_at',
    ]) {
      assert.ok(names.includes(field), `contacts.${field} missing`);
    }
    const events = await t.db.unit({ role: 'connection' }, () =>
      t.db.rows<{ column_name: string }>("SELECT column_name FROM information_schema.columns WHERE table_name = 'events'"),
    );
    for (const field of ['name', 'producer', 'workspace_id', 'contact_id', 'actor_type', 'actor_id', 'payload', 'occurred_at']) {
      assert.ok(
        events.some((c) => c.column_name === field),
        `events.${field} missing`,
      );
    }
  });

  it('runs application units as the app role, which is no superuser and cannot bypass row-level security', async () => {
    const [who] = await t.db.app(null, () => t.db.rows<{ current_user: string }>('SELECT current_user'));
    assert.equal(who.current_user, t.db.roles.app);
    const [role] = await t.db.unit({ role: 'connection' }, () =>
      t.db.rows<{ rolsuper: boolean; rolbypassrls: boolean; rolcanlogin: boolean }>(
        'SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = $1',
        [t.db.roles.app],
      ),
    );
    assert.deepEqual(role, { rolsuper: false, rolbypassrls: false, rolcanlogin: false });
    await assert.rejects(
      t.db.app(null, () => t.db.exec('CREATE TABLE sneaky (id int)')),
      /permission denied/,
    );
    await assert.rejects(
      t.db.app(null, () => t.db.exec('DROP TABLE contacts')),
      /must be owner/,
    );
  });

  it('a nested unit runs in a savepoint: its failure rolls back only itself, and its role ends with it', async () => {
    const slug = `nested-${Date.now()}`;
    await t.db.app(null, async () => {
      await t.db.exec("INSERT INTO workspaces (slug, name) VALUES ($1, 'Outer')", [slug]);
      await assert.rejects(t.db.unit({ role: 'owner' }, () => t.db.exec('SELECT 1/0')));
      await t.db.unit({ role: 'owner' }, async () => {
        const [inner] = await t.db.rows<{ current_user: string }>('SELECT current_user');
        assert.equal(inner.current_user, t.db.roles.owner);
      });
      const [outer] = await t.db.rows<{ current_user: string }>('SELECT current_user');
      assert.equal(outer.current_user, t.db.roles.app);
    });
    const found = await t.db.app(null, () => t.db.rows('SELECT 1 FROM workspaces WHERE slug = $1', [slug]));
    assert.equal(found.length, 1);
  });

  it("a unit nested in a nested unit rolls back to its own savepoint, and a failure of its parent to the parent's", async () => {
    const slug = (n: string) => `deep-${n}-${Date.now()}`;
    const [kept, undone] = [slug('kept'), slug('undone')];
    await t.db.app(null, async () => {
      await t.db.exec("INSERT INTO workspaces (slug, name) VALUES ($1, 'Kept')", [kept]);
      await assert.rejects(
        t.db.unit({ role: 'owner' }, async () => {
          await t.db.exec("INSERT INTO workspaces (slug, name) VALUES ($1, 'Undone')", [undone]);
          // A grandchild that succeeds leaves a savepoint of its own behind: the parent's failure must not stop there.
          await t.db.unit({ role: 'owner' }, () => t.db.exec('SELECT 1'));
          await t.db.exec('SELECT 1/0');
        }),
      );
      const [role] = await t.db.rows<{ current_user: string }>('SELECT current_user');
      assert.equal(role.current_user, t.db.roles.app);
    });
    const found = await t.db.app(null, () =>
      t.db.rows<{ slug: string }>('SELECT slug FROM workspaces WHERE slug = ANY($1) ORDER BY slug', [[kept, undone]]),
    );
    assert.deepEqual(
      found.map((w) => w.slug),
      [kept],
    );
  });

  it('reverts every migration and applies them again', async () => {
    assert.deepEqual(await migrateDown(t.db, 0), shellMigrations.map((m) => m.name).reverse());
    assert.deepEqual(
      (await tables()).map((f) => f.tablename),
      ['plinth_migrations'],
    );
    assert.deepEqual((await migrationStatus(t.db)).executed, []);
    await migrateUp(t.db);
    assert.deepEqual((await migrationStatus(t.db)).pending, []);
  });

  it('a failing migration run leaves the history and the schema as they were', async () => {
    await migrateDown(t.db, '0006-billing');
    await t.db.unit({ role: 'owner' }, () => t.db.exec('CREATE TABLE billing_accounts (id int)'));
    await assert.rejects(migrateUp(t.db), /already exists/);
    assert.deepEqual((await migrationStatus(t.db)).pending, [
      '0006-billing',
      '0007-module-packages',
      '0008-row-level-security',
      '0009-event-bus',
      '0010-event-partitions',
      '0011-admin',
      '0012-admin-fast-paths',
      '0013-module-routes',
      '0014-safe-definers',
      '0015-module-publishers',
      '0016-module-identity',
      '0017-route-workspace-lookup',
      '0018-route-signatures',
      '0019-sign-in-hardening',
      '0020-two-factor',
      '0021-contact-search',
      '0022-api-tokens',
      '0023-api-idempotency',
      '0024-webhooks',
      '0025-imports',
      '0026-import-outcomes',
    ]);
    await t.db.unit({ role: 'owner' }, () => t.db.exec('DROP TABLE billing_accounts'));
    assert.deepEqual(await migrateUp(t.db), [
      '0006-billing',
      '0007-module-packages',
      '0008-row-level-security',
      '0009-event-bus',
      '0010-event-partitions',
      '0011-admin',
      '0012-admin-fast-paths',
      '0013-module-routes',
      '0014-safe-definers',
      '0015-module-publishers',
      '0016-module-identity',
      '0017-route-workspace-lookup',
      '0018-route-signatures',
      '0019-sign-in-hardening',
      '0020-two-factor',
      '0021-contact-search',
      '0022-api-tokens',
      '0023-api-idempotency',
      '0024-webhooks',
      '0025-imports',
      '0026-import-outcomes',
    ]);
  });
});
