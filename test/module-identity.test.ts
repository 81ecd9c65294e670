import assert from 'node:assert/strict';
import { entranceStatements, migrateSql, querySql, quoteIdent } from '../platform/db/index.js';
import { packageFromDir } from '../platform/manifests/index.js';
import { moduleNames } from '../platform/registry/index.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { actor, testPlatform, type TestPlatform } from './support/platform.js';
import { marketplaceFootprint, pluginDir } from './support/plugins.js';
import { rolledBack } from './support/rollback.js';

/**
 * What a statement would do if the SQL guard let it through. Each spelling goes straight to the
 * module's database entrance, as its runtime role in workspace A, and then the module reads its
 * notes and the contacts it may read: PostgreSQL alone must keep it to A's rows and to its role.
 */
type Expect = 'refused' | 'contained';

describe(`module identity that SQL cannot change (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let p: TestPlatform;
  let a: string;
  let b: string;
  const names = () => moduleNames('hostile', t.db.roles.prefix);

  /** Runs `fn` in the module's own unit for workspace A, as a handler would, and rolls it all back. */
  async function asModuleInA<T>(fn: (enter: (sql: string, rows?: boolean) => Promise<unknown[]>) => Promise<T>): Promise<T> {
    const enter = async (sql: string, rows = true) =>
      (await t.db.rows<{ row: unknown }>(querySql(names().schema), [sql, rows])).map((r) => r.row);
    return rolledBack(
      (inner) => p.runtime.run('hostile', { workspaceId: a }, inner),
      () => fn(enter),
    );
  }

  /** A spelling, then what the module sees: its error if PostgreSQL refused it, else the rows it reads after. */
  const attempt = (sql: string) =>
    asModuleInA(async (enter) => {
      try {
        await enter(sql, /^SELECT\b/.test(sql));
      } catch (err) {
        return { refused: (err as Error).message, seen: [] };
      }
      const contacts = (await enter('SELECT name FROM contacts ORDER BY name')) as { name: string }[];
      const notes = (await enter('SELECT title FROM notes ORDER BY title')) as { title: string }[];
      const shell = (await enter('SELECT name FROM public.contacts ORDER BY name')) as { name: string }[];
      return { refused: null, seen: [...contacts.map((c) => c.name), ...notes.map((n) => n.title), ...shell.map((c) => c.name)] };
    });

  before(async () => {
    t = await freshDatabase();
    p = testPlatform(t);
    a = (await t.entities.workspaces.create({ slug: 'client-a', name: 'A' })).id;
    b = (await t.entities.workspaces.create({ slug: 'client-b', name: 'B' })).id;
    await p.add(pluginDir('hostile'), 'hostile', ['client-a', 'client-b']);
    for (const [workspaceId, who] of [
      [a, 'A'],
      [b, 'B'],
    ]) {
      await t.entities.contacts.upsert(workspaceId, {
        name: `contact of ${who}`,
        emails: [`${who}@x.test`],
        source: { module: 'plinth' },
      });
      await p.runtime.run('hostile', { workspaceId }, (ctx) =>
        ctx.query('INSERT INTO notes (workspace_id, title) VALUES ($1, $2)', [workspaceId, `note of ${who}`]),
      );
    }
  });
  after(async () => {
    p?.runtime.close();
    await t?.drop();
  });

  it('handling workspace A, reads nothing of B through every spelling PostgreSQL is sent, or is refused by it', async () => {
    const spellings: [Expect, string][] = [
      ['contained', `SELECT set_config('app.workspace_id', '${b}', true)`],
      ['contained', `SELECT set_config('app.workspace_id', '${b}', false)`],
      ['contained', `SET app.workspace_id = '${b}'`],
      ['contained', `SET LOCAL app.workspace_id = '${b}'`],
      ['contained', 'RESET app.workspace_id'],
      ['contained', 'RESET ALL'],
      ['contained', `DO $$ BEGIN PERFORM set_config('app.workspace_id', '${b}', true); END $$`],
      ['refused', "SELECT set_config('role', 'postgres', true)"],
      ['refused', 'SET ROLE postgres'],
      ['refused', 'SET LOCAL ROLE postgres'],
      ['refused', `SET ROLE ${JSON.stringify(t.db.roles.app)}`],
      ['refused', 'RESET ROLE'],
      ['refused', 'SET SESSION AUTHORIZATION postgres'],
      ['refused', 'RESET SESSION AUTHORIZATION'],
      ['refused', 'DO $$ BEGIN SET ROLE postgres; END $$'],
      ['refused', `DO $$ BEGIN EXECUTE 'RESET ROLE'; END $$`],
      ['contained', "SELECT set_config('plinth.context', 'a token of its own making', true)"],
      ['contained', 'RESET plinth.context'],
      ['refused', `CALL public.plinth_enter_workspace('a token', '${b}', true)`],
      ['refused', `UPDATE public.plinth_module_context SET workspace_id = '${b}'`],
      ['refused', `INSERT INTO public.plinth_module_context VALUES (pg_backend_pid(), 'a token', '${b}', true)`],
      ['refused', 'SELECT token FROM public.plinth_module_context'],
      [
        'refused',
        "CREATE FUNCTION peek() RETURNS SETOF text LANGUAGE sql SECURITY DEFINER AS 'SELECT name FROM public.contacts'",
      ],
      ['refused', "CREATE FUNCTION public.peek() RETURNS SETOF text LANGUAGE sql AS 'SELECT name FROM public.contacts'"],
      ['refused', 'CREATE TEMP VIEW contacts AS SELECT 1'],
      ['refused', 'CREATE TABLE public.stash (x int)'],
      ['refused', 'SELECT rolname FROM pg_catalog.pg_authid'],
      ['refused', `GRANT ${JSON.stringify(t.db.roles.owner)} TO ${JSON.stringify(names().runtimeRole)}`],
      ['contained', "SELECT query_to_xml('SELECT name FROM public.contacts', true, true, '')"],
    ];
    // Without an attack it sees A's rows: an empty answer below is the attack's doing.
    assert.deepEqual((await attempt('SELECT 1')).seen, ['contact of A', 'note of A', 'contact of A']);
    const wrong: string[] = [];
    for (const [expected, sql] of spellings) {
      const outcome = await attempt(sql);
      if (outcome.refused !== null) {
        if (expected !== 'refused') wrong.push(`${sql}: refused (${outcome.refused}), but should have run and been contained`);
        else if (!/permission denied|cannot set parameter|must have admin option/.test(outcome.refused))
          wrong.push(`${sql}: refused for another reason: ${outcome.refused}`);
      } else {
        if (expected !== 'contained') wrong.push(`${sql}: PostgreSQL ran it`);
        // Its own rows, or none at all once it has spoiled its own context; never B's.
        if (outcome.seen.some((seen) => !seen.endsWith(' of A'))) wrong.push(`${sql}: then saw ${outcome.seen.join(', ')}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it("puts the transaction's time limits back after a statement that lifts them", async () => {
    const limits = await asModuleInA(async (enter) => {
      const before = await t.db.rows<{ limit: string }>("SELECT current_setting('statement_timeout') AS limit");
      await enter(
        "SELECT set_config('statement_timeout', '0', true), set_config('idle_in_transaction_session_timeout', '0', true)",
      );
      const after = await t.db.rows<{ limit: string; idle: string }>(
        "SELECT current_setting('statement_timeout') AS limit, current_setting('idle_in_transaction_session_timeout') AS idle",
      );
      return { before: before[0].limit, after: after[0] };
    });
    assert.notEqual(limits.before, '0', 'a module unit has a statement limit');
    assert.equal(limits.after.limit, limits.before);
    assert.notEqual(limits.after.idle, '0');
  });

  it('refuses to run through an entrance the module altered, until an upgrade restores it', async () => {
    const schema = names().schema;
    const alter = `ALTER FUNCTION ${schema}.plinth_query(text, boolean) SECURITY INVOKER`;
    const outcome = await asModuleInA(async (enter) => {
      await enter(alter, false);
      return enter('SELECT 1 AS one').then(
        () => 'ran',
        (err: Error) => err.message,
      );
    });
    assert.match(outcome, /entrance .*plinth_query.* was altered/);
    // Committed this time, as a module's handler would have.
    await p.runtime.run('hostile', { workspaceId: a }, () => t.db.rows(querySql(schema), [alter, false]));
    await assert.rejects(
      p.runtime.run('hostile', { workspaceId: a }, (ctx) => ctx.query('SELECT 1 AS one')),
      /was altered; reinstall or upgrade the module/,
    );
    await t.db.unit({ role: 'connection' }, async () => {
      for (const statement of entranceStatements(names())) await t.db.exec(statement);
    });
    assert.deepEqual(await p.runtime.run('hostile', { workspaceId: a }, (ctx) => ctx.query('SELECT 1 AS one')), [{ one: 1 }]);
  });

  it("runs a migration as the module's owner, which it cannot leave either", async () => {
    const { ownerRole, schema } = names();
    for (const sql of [
      'SET ROLE postgres',
      "SELECT set_config('role', 'postgres', true)",
      'RESET ROLE',
      'SET SESSION AUTHORIZATION postgres',
    ]) {
      await assert.rejects(
        t.db.unit({ role: { name: ownerRole }, schema }, () => t.db.exec(migrateSql(schema), [sql])),
        /cannot set parameter "(role|session_authorization)" within security-definer function/,
        sql,
      );
    }
    const [who] = await t.db.unit({ role: { name: ownerRole }, schema }, async () => {
      await t.db.exec(migrateSql(schema), [`CREATE TABLE ${schema}.scratch AS SELECT current_user AS who`]);
      const rows = await t.db.rows<{ who: string }>(`SELECT who FROM ${schema}.scratch`);
      await t.db.exec(migrateSql(schema), [`DROP TABLE ${schema}.scratch`]);
      return rows;
    });
    assert.equal(who.who, ownerRole);
  });

  it("gives the module's owner role its rows only in its migrations: a view it made finds nothing at run time", async () => {
    const { ownerRole, runtimeRole, schema } = names();
    const migrate = (sql: string) =>
      t.db.unit({ role: { name: ownerRole }, schema, maintenance: true }, () => t.db.exec(migrateSql(schema), [sql]));
    // What the guard refuses in a migration; PostgreSQL would let the owner make it.
    await migrate(`CREATE VIEW every_note AS SELECT title FROM notes; GRANT SELECT ON every_note TO ${quoteIdent(runtimeRole)}`);
    try {
      const atRunTime = await p.runtime.run('hostile', { workspaceId: a }, () =>
        t.db.rows(querySql(schema), ['SELECT title FROM every_note ORDER BY title', true]),
      );
      assert.deepEqual(atRunTime, [], 'the view runs as the owner, who outside a migration sees no row');
      const read = (maintenance: boolean) =>
        t.db.unit({ role: { name: ownerRole }, schema, maintenance }, () =>
          t.db.rows<{ title: string }>('SELECT title FROM every_note ORDER BY title'),
        );
      assert.deepEqual(await read(false), []);
      assert.deepEqual(
        (await read(true)).map((r) => r.title),
        ['note of A', 'note of B'],
        'in a migration, every workspace (a backfill needs them)',
      );
    } finally {
      await migrate('DROP VIEW every_note');
    }
  });

  it('refuses at upgrade a migration that changes role or grants itself a role, and writes nothing', async () => {
    const installed = (await p.marketplace.registry.installed('hostile'))!.version;
    const escape = `SELECT set_config('role', 'postgres', true);\nGRANT ${quoteIdent(t.db.roles.owner)} TO ${quoteIdent(names().ownerRole)};\n`;
    await p.marketplace.registry.publish(
      packageFromDir(pluginDir('hostile', (m) => void (m.version = '0.9.0'), { 'migrations/9999-escape.sql': escape })),
      { source: 'published', label: 'hostile', actor },
    );
    const before = await marketplaceFootprint(t.db);
    await assert.rejects(
      p.marketplace.lifecycle.upgrade('hostile', '0.9.0', actor),
      /migrations\/9999-escape\.sql: statement SELECT is not allowed in a module migration/,
    );
    assert.deepEqual(await marketplaceFootprint(t.db), before);
    assert.equal((await p.marketplace.registry.installed('hostile'))!.version, installed);
  });

  it('gives an upgraded module its entrances back, whatever its SQL did to them', async () => {
    const { schema, runtimeRole } = names();
    await p.runtime.run('hostile', { workspaceId: a }, () =>
      t.db.rows(querySql(schema), [`ALTER FUNCTION ${schema}.plinth_query(text, boolean) SET statement_timeout = 0`, false]),
    );
    await p.marketplace.registry.publish(packageFromDir(pluginDir('hostile', (m) => void (m.version = '0.2.0'))), {
      source: 'published',
      label: 'hostile',
      actor,
    });
    await p.marketplace.lifecycle.upgrade('hostile', '0.2.0', actor);
    const [entrance] = await t.db.unit({ role: 'connection' }, () =>
      t.db.rows<{ definer: boolean; config: string[]; owner: string }>(
        `SELECT prosecdef AS definer, proconfig AS config, pg_get_userbyid(proowner) AS owner
           FROM pg_proc WHERE oid = $1::regprocedure`,
        [`${schema}.plinth_query(text,boolean)`],
      ),
    );
    assert.deepEqual(entrance, { definer: true, config: [`search_path=${schema}, public, pg_temp`], owner: runtimeRole });
    assert.deepEqual(await p.runtime.run('hostile', { workspaceId: b }, (ctx) => ctx.query('SELECT title FROM notes')), [
      { title: 'note of B' },
    ]);
  });
});
