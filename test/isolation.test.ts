import assert from 'node:assert/strict';
import { ValidationError } from '../platform/errors/index.js';
import {
  CapabilityError,
  GatewayError,
  GatewayProviderError,
  ModuleNotEnabledError,
  ModuleRuntime,
} from '../platform/gateway/index.js';
import { packageFromDir } from '../platform/manifests/index.js';
import { auditGrants, moduleNames, type Marketplace } from '../platform/registry/index.js';
import { envFor, plinth } from './support/cli.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { pluginDir } from './support/plugins.js';
import { testPlatform } from './support/platform.js';

const actor = { type: 'system' as const, id: 'test' };
const TENANT_TABLES = [
  'contacts',
  'contact_identities',
  'contact_merge_candidates',
  'events',
  'event_deliveries',
  'module_installations',
  'memberships',
  'subscriptions',
  'route_secrets',
  'api_tokens',
  'api_idempotency_keys',
  'webhooks',
  'imports',
  'import_outcomes',
  'themes',
  'layout_definitions',
  'billing_accounts',
];
const INHERITED = new Set(['themes', 'layout_definitions', 'billing_accounts']);

/** beta provides a gateway; alpha reads and writes contacts and depends on beta; gamma only reads contacts. */
const LOOKUP = `export default async function lookup(input, ctx) {
  await ctx.query("INSERT INTO notes (workspace_id, title) VALUES ($1, $2)", [ctx.workspace.id, 'lookup: ' + input.term]);
  if (input.term === 'break') return { wrong: true };
  const rows = await ctx.query('SELECT title FROM notes WHERE title LIKE $1 ORDER BY title', ['%' + input.term + '%']);
  return { matches: rows.map((r) => r.title) };
}
`;

describe(`isolation enforced by PostgreSQL, and the module context (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let market: Marketplace;
  let runtime: ModuleRuntime;
  let a: { id: string; slug: string };
  let b: { id: string; slug: string };
  let contactA: string;
  let contactB: string;
  const role = (id: string, kind: 'runtimeRole' | 'ownerRole' = 'runtimeRole') => moduleNames(id, t.db.roles.prefix)[kind];
  const as = <T>(
    id: string,
    workspaceId: string | null,
    fn: () => Promise<T>,
    kind: 'runtimeRole' | 'ownerRole' = 'runtimeRole',
  ) => t.db.unit({ role: { name: role(id, kind) }, workspaceId }, fn);

  before(async () => {
    t = await freshDatabase();
    ({ marketplace: market, runtime } = testPlatform(t));
    const publishAndInstall = async (dir: string, id: string) => {
      await market.registry.publish(packageFromDir(dir), { source: 'published', label: id, actor });
      await market.lifecycle.install(id, undefined, actor);
    };
    await publishAndInstall(
      pluginDir(
        'beta',
        (m) => {
          m.capabilities.requires = [];
          m.gateways = [
            {
              name: 'beta.lookup',
              input: {
                type: 'object',
                additionalProperties: false,
                required: ['term'],
                properties: { term: { type: 'string', maxLength: 50 } },
              },
              output: {
                type: 'object',
                additionalProperties: false,
                required: ['matches'],
                properties: { matches: { type: 'array', items: { type: 'string' } } },
              },
              handler: 'handlers/lookup.js',
            },
          ];
        },
        { 'handlers/lookup.js': LOOKUP },
      ),
      'beta',
    );
    await publishAndInstall(
      pluginDir('alpha', (m) => {
        m.capabilities.requires = ['contacts:read', 'contacts:write'];
        m.dependencies = { beta: '^0.1.0' };
      }),
      'alpha',
    );
    await publishAndInstall(
      pluginDir('gamma', (m) => (m.capabilities.requires = ['contacts:read'])),
      'gamma',
    );
    a = await t.entities.workspaces.create({ slug: 'tenant-a', name: 'Tenant A' });
    b = await t.entities.workspaces.create({ slug: 'tenant-b', name: 'Tenant B' });
    for (const ws of [a, b])
      for (const id of ['beta', 'alpha', 'gamma']) await market.lifecycle.enable(id, ws.slug, undefined, actor);
    contactA = (await t.entities.contacts.upsert(a.id, { name: 'Ann A', emails: ['ann@a.example'], source: { module: 'chat' } }))
      .contact.id;
    contactB = (await t.entities.contacts.upsert(b.id, { name: 'Bob B', emails: ['bob@b.example'], source: { module: 'chat' } }))
      .contact.id;
    await t.db.unit({ role: 'connection' }, async () => {
      await t.db.exec(
        "INSERT INTO mod_beta.notes (workspace_id, title) VALUES ($1, 'beta secret of A'), ($2, 'beta secret of B')",
        [a.id, b.id],
      );
      await t.db.exec(
        "INSERT INTO mod_alpha.notes (workspace_id, title) VALUES ($1, 'alpha note of A'), ($2, 'alpha note of B')",
        [a.id, b.id],
      );
    });
  });
  after(() => t.drop());

  describe('under a module runtime role, PostgreSQL refuses', () => {
    it("reading another module's table: permission denied", async () => {
      await assert.rejects(
        as('alpha', a.id, () => t.db.rows('SELECT * FROM mod_beta.notes')),
        /permission denied for schema mod_beta/,
      );
      await assert.rejects(
        as('gamma', a.id, () => t.db.rows('SELECT * FROM mod_alpha.notes')),
        /permission denied for schema mod_alpha/,
      );
    });

    it('INSERT INTO contacts, for every module role', async () => {
      for (const id of ['alpha', 'beta', 'gamma']) {
        for (const kind of ['runtimeRole', 'ownerRole'] as const) {
          await assert.rejects(
            as(id, a.id, () => t.db.exec("INSERT INTO public.contacts (workspace_id, name) VALUES ($1, 'x')", [a.id]), kind),
            /permission denied for table contacts/,
            `${role(id, kind)} inserted a contact`,
          );
        }
      }
    });

    it("another workspace's contacts: zero rows, through the view and the table alike", async () => {
      const viaView = await as('gamma', a.id, () => t.db.rows<{ id: string }>('SELECT id FROM mod_gamma.contacts'));
      assert.deepEqual(
        viaView.map((r) => r.id),
        [contactA],
      );
      const direct = await as('gamma', a.id, () => t.db.rows('SELECT id FROM public.contacts WHERE workspace_id = $1', [b.id]));
      assert.deepEqual(direct, []);
      const own = await as('alpha', a.id, () => t.db.rows<{ title: string }>('SELECT title FROM mod_alpha.notes'));
      assert.deepEqual(
        own.map((r) => r.title),
        ['alpha note of A'],
      );
    });

    it('an UPDATE moving a row to another workspace', async () => {
      await assert.rejects(
        as('alpha', a.id, () => t.db.exec('UPDATE mod_alpha.notes SET workspace_id = $1', [b.id])),
        /new row violates row-level security policy/,
      );
    });

    it('disabling row-level security on its own table, or granting on it: it does not own them', async () => {
      await assert.rejects(
        as('alpha', a.id, () => t.db.exec('ALTER TABLE mod_alpha.notes DISABLE ROW LEVEL SECURITY')),
        /must be owner of table notes/,
      );
      // PostgreSQL answers a GRANT by a non-owner with a warning ("no privileges were granted") and grants nothing.
      await as('alpha', a.id, () => t.db.exec(`GRANT SELECT ON mod_alpha.notes TO ${role('gamma')}`));
      const [granted] = await t.db.unit({ role: 'connection' }, () =>
        t.db.rows<{ has: boolean }>("SELECT has_table_privilege($1, 'mod_alpha.notes', 'SELECT') AS has", [role('gamma')]),
      );
      assert.equal(granted.has, false);
    });

    it('the application role and every module role see zero tenant rows without a workspace', async () => {
      const counts = async (scope: () => Promise<{ n: string }[]>) => Number((await scope())[0].n);
      for (const table of TENANT_TABLES) {
        // Themes, layouts and billing accounts without a workspace are the shared defaults (a module's default layouts among them): readable by all.
        const rows = `SELECT count(*) AS n FROM ${table}${INHERITED.has(table) ? ' WHERE workspace_id IS NOT NULL' : ''}`;
        const all = await counts(() => t.db.owner('test', () => t.db.rows(rows)));
        const app = await counts(() => t.db.app(null, () => t.db.rows(rows)));
        assert.equal(app, 0, `${table}: the app role saw ${app} of ${all} rows without a workspace`);
      }
      assert.ok(
        Number((await t.db.owner('test', () => t.db.rows<{ n: string }>('SELECT count(*) AS n FROM contacts')))[0].n) >= 2,
      );
      for (const id of ['alpha', 'beta', 'gamma']) {
        const own = await as(id, null, () => t.db.rows<{ n: string }>(`SELECT count(*) AS n FROM mod_${id}.notes`));
        assert.equal(Number(own[0].n), 0, `${id} saw its own rows without a workspace`);
      }
      for (const id of ['alpha', 'gamma']) {
        const seen = await as(id, null, () => t.db.rows<{ n: string }>('SELECT count(*) AS n FROM public.contacts'));
        assert.equal(Number(seen[0].n), 0, `${id} saw contacts without a workspace`);
      }
    });
  });

  describe('one-round-trip reads', () => {
    it("run as their scope's role, in its workspace, see only that workspace's rows, and leave nothing behind", async () => {
      const [seen] = await t.db.read<{ who: string; ws: string; contacts: number }>(
        { role: 'app', workspaceId: a.id },
        "SELECT current_user AS who, current_setting('app.workspace_id') AS ws, (SELECT count(*)::int FROM contacts) AS contacts",
      );
      assert.deepEqual(seen, { who: t.db.roles.app, ws: a.id, contacts: 1 });
      const [module] = await t.db.read<{ who: string; path: string }>(
        { role: { name: role('alpha') }, workspaceId: b.id, schema: 'mod_alpha' },
        'SELECT current_user AS who, current_setting($1) AS path',
        ['search_path'],
      );
      assert.deepEqual(module, { who: role('alpha'), path: 'mod_alpha, public, pg_temp' });
      await assert.rejects(
        t.db.read({ role: { name: role('alpha') }, workspaceId: a.id }, 'SELECT * FROM mod_beta.notes'),
        /permission denied for schema mod_beta/,
      );
      const [quoted] = await t.db.read<{ v: string }>({ role: 'app' }, 'SELECT $1::text AS v', ["it's \\ $2 -- not code"]);
      assert.equal(quoted.v, "it's \\ $2 -- not code");
      // The same pool's connections, afterwards: no role, no workspace left set.
      for (let i = 0; i < 5; i++) {
        const [after] = await t.db.unit({ role: 'connection' }, () =>
          t.db.rows<{ ws: string; role: string }>(
            "SELECT current_setting('app.workspace_id', true) AS ws, current_setting('role') AS role",
          ),
        );
        assert.ok(!after.ws, `workspace left set: ${after.ws}`);
        assert.equal(after.role, 'none');
      }
    });
  });

  describe('the module context', () => {
    it('checkpoint 1: the module resolves workspace and contact context', async () => {
      const seen = await runtime.run('alpha', { workspaceId: a.id, contactId: contactA }, async (ctx) => {
        // Read by the platform inside the module's unit: module SQL may not read settings.
        const [who] = await t.db.rows<{ current_user: string; ws: string }>(
          "SELECT current_user, current_setting('app.workspace_id') AS ws",
        );
        const note = await ctx.models.notes.create({ title: 'about Ann', contact_id: ctx.contact!.id, workspace_id: b.id });
        const notes = await ctx.models.notes.findAll({ order: [['title', 'ASC']] });
        return {
          workspace: ctx.workspace,
          contact: ctx.contact?.name,
          who,
          viaView: (await ctx.contacts.get(contactA)).emails,
          note: note.get('workspace_id'),
          notes: notes.map((n) => n.get('title')),
        };
      });
      assert.deepEqual(seen.workspace, { id: a.id, slug: 'tenant-a', name: 'Tenant A' });
      assert.equal(seen.contact, 'Ann A');
      assert.deepEqual(seen.who, { current_user: role('alpha'), ws: a.id });
      assert.deepEqual(seen.viaView, ['ann@a.example']);
      assert.equal(seen.note, a.id, "a workspace_id given by the module is replaced by the context's");
      assert.deepEqual(seen.notes, ['about Ann', 'alpha note of A'], 'its models see its own rows of this workspace only');
    });

    it('does not find a contact of another workspace, nor resolve one as context', async () => {
      await assert.rejects(
        runtime.run('alpha', { workspaceId: a.id }, (ctx) => ctx.contacts.get(contactB)),
        /contact ".*" not found/,
      );
      await assert.rejects(
        runtime.run('alpha', { workspaceId: a.id, contactId: contactB }, async () => 0),
        /contact ".*" not found/,
      );
    });

    it('writes contacts through the shell with contacts:write, as the module; refuses without it', async () => {
      const { contact } = await runtime.run('alpha', { workspaceId: a.id }, (ctx) =>
        ctx.contacts.upsert({ emails: ['new@a.example'], channel: 'web', ref: 'n-1' }),
      );
      assert.deepEqual(
        contact.provenance.map((p) => [p.module, p.channel, p.ref]),
        [['alpha', 'web', 'n-1']],
      );
      await assert.rejects(
        runtime.run('gamma', { workspaceId: a.id }, (ctx) => ctx.contacts.upsert({ emails: ['x@a.example'] })),
        (err: Error) =>
          err instanceof CapabilityError &&
          err.message === 'module "gamma" may not write contacts: its manifest does not require "contacts:write"',
      );
    });

    it('refuses a query that changes its role, and a module not enabled in the workspace', async () => {
      await assert.rejects(
        runtime.run('alpha', { workspaceId: a.id }, (ctx) => ctx.query('RESET ROLE')),
        /statement RESET is not allowed in module SQL/,
      );
      const c = await t.entities.workspaces.create({ slug: 'tenant-c', name: 'Tenant C' });
      await assert.rejects(
        runtime.run('alpha', { workspaceId: c.id }, async () => 0),
        (err: Error) => err instanceof ModuleNotEnabledError,
      );
    });
  });

  describe('gateways', () => {
    const notes = async (ws: string) =>
      (
        await t.db.unit({ role: 'connection' }, () =>
          t.db.rows<{ title: string }>('SELECT title FROM mod_beta.notes WHERE workspace_id = $1', [ws]),
        )
      ).length;

    it("runs the provider under its own role, in the caller's workspace", async () => {
      const out = await runtime.run('alpha', { workspaceId: a.id }, (ctx) =>
        ctx.gateways.call<{ matches: string[] }>('beta.lookup', { term: 'secret' }),
      );
      assert.deepEqual(out.matches, ['beta secret of A', 'lookup: secret'], 'it found and wrote rows of workspace A only');
    });

    it('refuses input that violates the schema before the provider runs', async () => {
      const before = await notes(a.id);
      await assert.rejects(
        runtime.run('alpha', { workspaceId: a.id }, (ctx) => ctx.gateways.call('beta.lookup', { term: 42, extra: true })),
        (err: Error) =>
          err instanceof GatewayError && /refused before the provider ran: .*input\/term: must be string/.test(err.message),
      );
      assert.equal(await notes(a.id), before, 'the provider did not run');
    });

    it("reports output that violates the schema as the provider's fault", async () => {
      await assert.rejects(
        runtime.run('alpha', { workspaceId: a.id }, (ctx) => ctx.gateways.call('beta.lookup', { term: 'break' })),
        (err: Error) =>
          err instanceof GatewayProviderError &&
          err.message.startsWith('gateway "beta.lookup": provider "beta" returned output its own schema refuses: output'),
      );
    });

    it('refuses a caller that did not declare the dependency, and a provider not enabled in the workspace', async () => {
      await assert.rejects(
        runtime.run('gamma', { workspaceId: a.id }, (ctx) => ctx.gateways.call('beta.lookup', { term: 'x' })),
        /module "gamma" did not declare a dependency on "beta"/,
      );
      await t.db.owner('test', () =>
        t.db.exec("UPDATE module_installations SET enabled = false WHERE module_id = 'beta' AND workspace_id = $1", [b.id]),
      );
      await assert.rejects(
        runtime.run('alpha', { workspaceId: b.id }, (ctx) => ctx.gateways.call('beta.lookup', { term: 'x' })),
        (err: Error) => err instanceof ModuleNotEnabledError && /"beta" is not enabled in workspace "tenant-b"/.test(err.message),
      );
    });
  });

  describe('grants', () => {
    it('doctor --grants flags nothing on a fresh install, and exactly a manual GRANT beyond a manifest', async () => {
      const clean = await plinth(['doctor', '--grants'], envFor(t.config));
      assert.equal(clean.code, 0, clean.stdout + clean.stderr);
      assert.doesNotMatch(clean.stdout, /!!/);
      assert.match(clean.stdout, new RegExp(`SELECT on mod_gamma\\.contacts`));
      await t.db.unit({ role: 'connection' }, () => t.db.exec(`GRANT USAGE ON SCHEMA mod_beta TO ${role('gamma')}`));
      try {
        const flagged = await plinth(['doctor', '--grants'], envFor(t.config));
        assert.equal(flagged.code, 1);
        assert.deepEqual(
          flagged.stdout
            .split('\n')
            .filter((l) => l.includes('!!') && !l.includes('beyond'))
            .map((l) => l.trim()),
          ['!! USAGE on schema mod_beta'],
        );
        const audit = await auditGrants(
          t.db,
          (await market.registry.rows()).filter((r) => r.status === 'installed'),
        );
        assert.deepEqual(
          audit.flatMap((m) => m.roles.flatMap((r) => r.beyond.map((x) => `${r.role}: ${x}`))),
          [`${role('gamma')}: USAGE on schema mod_beta`],
        );
      } finally {
        await t.db.unit({ role: 'connection' }, () => t.db.exec(`REVOKE USAGE ON SCHEMA mod_beta FROM ${role('gamma')}`));
      }
    });

    it('an upgrade that changes `requires` changes the grants', async () => {
      await market.registry.publish(
        packageFromDir(
          pluginDir('gamma', (m) => {
            m.version = '0.2.0';
            m.capabilities.requires = ['themes:read'];
          }),
        ),
        { source: 'published', label: 'gamma', actor },
      );
      await market.lifecycle.upgrade('gamma', undefined, actor);
      await assert.rejects(
        as('gamma', a.id, () => t.db.rows('SELECT * FROM public.contacts')),
        /permission denied for table contacts/,
      );
      assert.deepEqual(await as('gamma', a.id, () => t.db.rows('SELECT * FROM mod_gamma.themes')), []);
      const audit = await auditGrants(
        t.db,
        (await market.registry.rows()).filter((r) => r.status === 'installed'),
      );
      assert.deepEqual(
        audit.flatMap((m) => m.roles.flatMap((r) => r.beyond)),
        [],
      );
    });
  });

  it('refuses settings for a module that takes none', async () => {
    await assert.rejects(
      market.lifecycle.enable('beta', a.slug, { colour: 'red' }, actor),
      (err: Error) => err instanceof ValidationError,
    );
  });
});
