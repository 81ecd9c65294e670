import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { migrateDown, migrateUp, openDatabase, type Database } from '../platform/db/index.js';
import { shellMigrations } from '../platform/db/migrations/index.js';
import { createEntities } from '../platform/entities/index.js';
import { moduleNames } from '../platform/registry/index.js';
import { AdminClient, adminApp, serveLocally } from './support/admin.js';
import { envFor, plinth } from './support/cli.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { testPlatform, type TestPlatform } from './support/platform.js';
import { pluginDir } from './support/plugins.js';
import { rolledBack } from './support/rollback.js';

/** Every SECURITY DEFINER function the shell's migrations create (0014 must reach them all). */
const SHELL_DEFINERS = [
  'plinth_admin_config_changed',
  'plinth_api_token',
  'plinth_due_retries',
  'plinth_enter_workspace',
  'plinth_event_head',
  'plinth_memberships_changed',
  'plinth_module_workspace',
  'plinth_new_work',
  'plinth_route_workspace',
  'plinth_user_memberships',
  'plinth_waiting_cursors',
  'plinth_workspace_lineage',
];
const PINNED = 'search_path=pg_catalog, public, pg_temp';
const PASSWORD = 'a member password';

/** The view a hostile module makes: every workspace it knows of, with the member as its owner. */
const hijack = (workspaces: string[], userId: string): string[] => [
  `CREATE TEMP VIEW memberships AS
     SELECT w AS workspace_id, '${userId}'::uuid AS user_id, 'owner'::text AS role
       FROM unnest(ARRAY[${workspaces.map((w) => `'${w}'`).join(', ')}]::uuid[]) AS w`,
  'GRANT SELECT ON memberships TO PUBLIC',
];

describe(`definer functions and temporary objects (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  const asConnection = (inner: () => Promise<never>) => t.db.unit({ role: 'connection' }, inner);
  let p: TestPlatform;
  let a: { id: string; slug: string };
  let b: { id: string; slug: string };
  let member: { id: string; email: string };
  const role = (kind: 'runtimeRole' | 'ownerRole') => moduleNames('hostile', t.db.roles.prefix)[kind];

  before(async () => {
    t = await freshDatabase();
    p = testPlatform(t);
    a = await t.entities.workspaces.create({ slug: 'def-a', name: 'Definers A' });
    b = await t.entities.workspaces.create({ slug: 'def-b', name: 'Definers B' });
    await p.add(
      pluginDir('hostile', (m) => (m.capabilities.requires = [])),
      'hostile',
      [a.slug],
    );
    member = await t.entities.users.create({ email: 'member@definers.example', name: 'Member', password: PASSWORD });
    await t.entities.users.grant({ email: member.email, workspace: a.slug, role: 'member' });
  });
  after(() => t.drop());

  it('no application or module role may create a temporary object; the connecting user still may', async () => {
    const scopes = [
      { name: 'module runtime role', scope: { role: { name: role('runtimeRole') }, workspaceId: a.id } },
      { name: 'module owner role', scope: { role: { name: role('ownerRole') } } },
      { name: 'application role', scope: { role: 'app' as const, workspaceId: a.id } },
      { name: 'shell owner role', scope: { role: 'owner' as const } },
    ];
    for (const { name, scope } of scopes) {
      await assert.rejects(
        rolledBack(asConnection, () => t.db.unit(scope, () => t.db.exec(hijack([a.id, b.id], member.id)[0]))),
        // Before any temporary object exists in the session PostgreSQL names the database; after, the session's temp schema.
        /permission denied (to create temporary tables in database|for schema pg_temp)/,
        `the ${name} created a temporary view`,
      );
    }
    const rights = await t.db.unit({ role: 'connection' }, () =>
      t.db.rows<{ role: string; temp: boolean }>(
        `SELECT r AS role, has_database_privilege(r, current_database(), 'TEMPORARY') AS temp
           FROM unnest($1::text[]) AS r`,
        [[t.db.roles.app, t.db.roles.owner, role('runtimeRole'), role('ownerRole'), 'public']],
      ),
    );
    assert.deepEqual(
      rights.filter((r) => r.temp).map((r) => r.role),
      [],
      'roles that still hold TEMPORARY on the database',
    );
    const [connecting] = await t.db.unit({ role: 'connection' }, () =>
      t.db.rows<{ temp: boolean }>("SELECT has_database_privilege(current_database(), 'TEMPORARY') AS temp"),
    );
    assert.equal(connecting.temp, true, 'the connecting user keeps it');
  });

  it('every SECURITY DEFINER function in public pins search_path = pg_catalog, public, pg_temp', async () => {
    const definers = await t.db.unit({ role: 'connection' }, () =>
      t.db.rows<{ name: string; config: string[] | null }>(
        `SELECT p.proname AS name, p.proconfig AS config
           FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE p.prosecdef AND n.nspname = 'public' ORDER BY p.proname`,
      ),
    );
    // Every one the migrations make is there, so this cannot pass on an empty list.
    assert.deepEqual(
      SHELL_DEFINERS.filter((name) => !definers.some((d) => d.name === name)),
      [],
    );
    assert.deepEqual(
      definers.filter((d) => !(d.config ?? []).includes(PINNED)).map((d) => `${d.name}: ${JSON.stringify(d.config)}`),
      [],
    );
  });

  it('a temporary view, even one made by a session that may, is not what the membership lookup reads', async () => {
    // The connecting user keeps TEMPORARY: only the pinned search path stands between its temp schema and the definers.
    const seen = await rolledBack(asConnection, async () => {
      for (const sql of hijack([a.id, b.id], member.id)) await t.db.exec(sql);
      return t.entities.users.memberships(member.id);
    });
    assert.deepEqual(
      seen.map((m) => [m.slug, m.role]),
      [[a.slug, 'member']],
    );
  });

  describe('the sign-in attack, end to end', () => {
    // One connection: on a server a temporary object lives in one session, and the attack needs the
    // sign-in to land on the session the module used (the embedded database has only one anyway).
    let single: Database;
    let server: Server;
    before(async () => {
      single = await openDatabase({ ...t.config, poolMax: 1 });
    });
    after(async () => {
      server?.close();
      // Should the attack have got through, its view must not outlive the test.
      await single.unit({ role: 'connection' }, () => single.exec('DROP VIEW IF EXISTS pg_temp.memberships'));
      await single.close();
    });

    it("a module's temporary view does not make a plain member the owner of every workspace", async () => {
      const alone = { ...t, db: single, entities: createEntities(single) };
      const platform = testPlatform(alone);
      // The hostile handler, through the module context as any handler runs: the view would outlive its transaction.
      const attack = await platform.runtime
        .run('hostile', { workspaceId: a.id }, async (ctx) => {
          for (const sql of hijack([a.id, b.id], member.id)) await ctx.query(sql);
        })
        .then(
          () => 'made',
          (err: Error) => err.message,
        );
      const served = await serveLocally(adminApp(alone, platform));
      server = served.server;
      const client = new AdminClient(served.base);
      const signIn = await client.post('/admin/login', { email: member.email, password: PASSWORD });
      assert.equal(signIn.status, 303);
      assert.equal(signIn.headers.get('location'), '/admin', 'one membership: no workspace chooser');
      const chooser = await client.request('/admin/workspaces');
      const offered = [...(await chooser.text()).matchAll(/<span>([^<]+)<\/span>/g)].map((m) => m[1]);
      assert.deepEqual(offered, [`${a.slug} · member`]);
      const page = await client.request('/admin/api/resources/contacts/actions/list');
      assert.equal(page.status, 200);
      assert.match(
        attack,
        // The SQL guard refuses it first; PostgreSQL would too (the first test of this file).
        /statement CREATE VIEW is not allowed in module SQL|permission denied (to create temporary tables in database|for schema pg_temp)/,
        'the module made its view',
      );
    });
  });

  it('doctor --grants flags a definer whose search path is not pinned, and a TEMPORARY right', async () => {
    const clean = await plinth(['doctor', '--grants'], envFor(t.config));
    assert.equal(clean.code, 0, clean.stdout + clean.stderr);
    const restore = await t.db.unit({ role: 'connection' }, () =>
      t.db.rows<{ config: string[] }>(
        "SELECT proconfig AS config FROM pg_proc WHERE oid = 'public.plinth_workspace_lineage(uuid)'::regprocedure",
      ),
    );
    assert.deepEqual(restore[0].config, [PINNED]);
    await t.db.unit({ role: 'connection' }, async () => {
      await t.db.exec('ALTER FUNCTION public.plinth_workspace_lineage(uuid) SET search_path = public');
      await t.db.exec(`GRANT TEMPORARY ON DATABASE ${quote(t.db.databaseName)} TO ${quote(role('runtimeRole'))}`);
    });
    try {
      const flagged = await plinth(['doctor', '--grants'], envFor(t.config));
      assert.equal(flagged.code, 1, flagged.stdout);
      const lines = flagged.stdout.split('\n').filter((l) => /^FAIL|!!/.test(l.trim()));
      assert.ok(
        lines.some((l) => /plinth_workspace_lineage\(.*uuid\).*search_path=public/.test(l)),
        `the definer is flagged:\n${flagged.stdout}`,
      );
      assert.ok(
        lines.some((l) => l.includes(`!! TEMPORARY on database ${t.db.databaseName}`)),
        `the TEMPORARY right is flagged:\n${flagged.stdout}`,
      );
    } finally {
      await t.db.unit({ role: 'connection' }, async () => {
        await t.db.exec(`ALTER FUNCTION public.plinth_workspace_lineage(uuid) SET search_path = pg_catalog, public, pg_temp`);
        await t.db.exec(`REVOKE TEMPORARY ON DATABASE ${quote(t.db.databaseName)} FROM ${quote(role('runtimeRole'))}`);
      });
    }
  });

  it('0014 down gives the definers their old search path and PUBLIC its TEMPORARY back; up takes them again', async () => {
    const state = () =>
      t.db.unit({ role: 'connection' }, async () => {
        const [row] = await t.db.rows<{ paths: string[]; temp: boolean }>(
          `SELECT (SELECT array_agg(DISTINCT array_to_string(p.proconfig, ';'))
                     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                    WHERE p.prosecdef AND n.nspname = 'public') AS paths,
                  has_database_privilege($1, current_database(), 'TEMPORARY') AS temp`,
          [t.db.roles.app],
        );
        return row;
      });
    // Down to 0014 takes the later migrations down first, and up brings them back.
    const later = shellMigrations.map((m) => m.name).filter((name) => name > '0014-safe-definers');
    assert.deepEqual(await migrateDown(t.db, '0014-safe-definers'), [...[...later].reverse(), '0014-safe-definers']);
    try {
      assert.deepEqual(await state(), { paths: ['search_path=public'], temp: true });
    } finally {
      assert.deepEqual(await migrateUp(t.db), ['0014-safe-definers', ...later]);
    }
    assert.deepEqual(await state(), { paths: [PINNED], temp: false });
  });
});

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;
