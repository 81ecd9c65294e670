import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { NotFoundError } from '../platform/errors/index.js';
import type { PluginManifest } from '../platform/manifests/index.js';
import { AdminClient, adminApp, serveLocally } from './support/admin.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { subscribe } from './support/modules.js';
import { actor, testPlatform, type TestPlatform } from './support/platform.js';
import { pluginDir } from './support/plugins.js';

/** The five first-party modules, in the order their dependencies allow enabling them. */
const MODULES = ['knowledge', 'contact-forms', 'chat', 'voice', 'logiclegal'];
const PASSWORD = 'correct horse battery';
const API = '/admin/studio/api';

const RECORD = `export default async function record(event, ctx) {
  await ctx.query('INSERT INTO notes (workspace_id, title, body) VALUES ($1, $2, $3)', [ctx.workspace.id, event.name, event.id]);
}
`;

/**
 * The seed's four implementation checkpoints, as named tests for each bundled module: it
 * resolves workspace and contact context, emits typed events into the shared log, another module
 * consumes them without private-table access, and theme and layout context apply to its screens
 * with no code that names it.
 */
describe(`the checkpoints of every first-party module (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let p: TestPlatform;
  let server: Server;
  let owner: AdminClient;
  let ws: { id: string; slug: string };
  let other: { id: string; slug: string };
  let contactId: string;
  const manifests = new Map<string, PluginManifest>();

  const emits = (id: string) => manifests.get(id)!.events?.emits ?? [];
  /** A declared event's example payload, about a contact of this test. */
  const example = (id: string, event: string) => {
    const declared = emits(id).find((e) => e.name === event)!;
    const payload = structuredClone((declared.payload as { examples: Record<string, unknown>[] }).examples[0]);
    if ('contactId' in payload) payload.contactId = contactId;
    return payload;
  };
  const listColumns = async (resource: string) =>
    (await owner.pageState()).resources.find((r) => r.id === resource)?.listProperties.map((col) => col.name);

  before(async () => {
    t = await freshDatabase();
    p = testPlatform(t);
    ws = await t.entities.workspaces.create({ slug: 'checkpoints', name: 'Checkpoints' });
    other = await t.entities.workspaces.create({ slug: 'elsewhere', name: 'Elsewhere' });
    contactId = (
      await t.entities.contacts.upsert(ws.id, { name: 'Dana Reyes', emails: ['dana@example.com'], source: { module: 'plinth' } })
    ).contact.id;
    await subscribe(t, ws.id, MODULES);
    await p.marketplace.registry.registerBundled();
    for (const id of MODULES) {
      await p.marketplace.lifecycle.install(id, undefined, actor);
      await p.marketplace.lifecycle.enable(id, ws.slug, undefined, actor);
      manifests.set(id, (await p.marketplace.registry.installed(id))!.manifest);
    }
    // A consumer that knows the events by name only: it subscribes to everything the five emit.
    const events = MODULES.flatMap((id) => emits(id).map((e) => e.name));
    await p.add(
      pluginDir('probe', (m) => (m.events = { subscribes: events.map((event) => ({ event, handler: 'handlers/record.js' })) }), {
        'handlers/record.js': RECORD,
      }),
      'probe',
      [ws.slug],
    );
    await t.entities.users.create({ email: 'owner@checkpoints.test', password: PASSWORD });
    await t.entities.users.grant({ email: 'owner@checkpoints.test', workspace: ws.slug, role: 'owner' });
    ({ server } = await serveLocally(adminApp(t, p)));
    owner = new AdminClient(`http://127.0.0.1:${(server.address() as { port: number }).port}`);
    assert.equal((await owner.post('/admin/login', { email: 'owner@checkpoints.test', password: PASSWORD })).status, 303);
  });
  after(async () => {
    server?.close();
    await t.drop();
  });

  for (const id of MODULES) {
    describe(id, () => {
      it('checkpoint 1: resolves workspace and contact context', async () => {
        const seen = await p.runtime.run(id, { workspaceId: ws.id, contactId }, async (ctx) => ({
          workspace: ctx.workspace.slug,
          contact: ctx.contact?.name,
          module: ctx.module.id,
        }));
        assert.deepEqual(seen, { workspace: 'checkpoints', contact: 'Dana Reyes', module: id });
        await assert.rejects(
          p.runtime.run(id, { workspaceId: other.id, contactId }, async () => undefined),
          /not enabled in workspace "elsewhere"/,
        );
      });

      it('checkpoint 2: emits typed events into the shared log, and a payload off its schema is refused', async () => {
        for (const declared of emits(id)) {
          const stored = await p.runtime.run(id, { workspaceId: ws.id }, (ctx) =>
            ctx.events.emit(declared.name, example(id, declared.name), { contactId }),
          );
          assert.equal(stored.name, declared.name);
          assert.equal(stored.producer, id);
          await assert.rejects(
            p.runtime.run(id, { workspaceId: ws.id }, (ctx) => ctx.events.emit(declared.name, { unexpected: true })),
            /must have required property|must NOT have additional properties/,
          );
        }
        assert.ok(emits(id).length > 0, `${id} declares the events it emits`);
      });

      it('checkpoint 3: another module consumes its events without access to its tables', async () => {
        await p.dispatcher().drain();
        const received = await p.runtime.run('probe', { workspaceId: ws.id }, (ctx) =>
          ctx.query<{ title: string }>('SELECT title FROM notes'),
        );
        for (const declared of emits(id))
          assert.ok(
            received.some((r) => r.title === declared.name),
            `probe received ${declared.name}`,
          );
        const schema = `mod_${id.replace(/-/g, '_')}`;
        const [grant] = await t.db.unit({ role: 'connection' }, () =>
          t.db.rows<{ usage: boolean }>('SELECT has_schema_privilege($1, $2, $3) AS usage', [
            `${t.db.roles.prefix}mod_probe`,
            schema,
            'USAGE',
          ]),
        );
        assert.equal(grant.usage, false, `the probe's role cannot reach ${schema}`);
        await assert.rejects(
          p.runtime.run('probe', { workspaceId: ws.id }, (ctx) =>
            ctx.query(`SELECT 1 FROM ${schema}.${manifests.get(id)!.tables![0].name}`),
          ),
          // The SQL guard refuses another schema's table before PostgreSQL would.
          /outside the module's schema|permission denied/,
        );
      });

      it('checkpoint 4: its screens follow layout records and the theme, with no code that names it', async () => {
        const screens = (manifests.get(id)!.screens ?? []) as { resource: string; list?: string[] }[];
        assert.ok(screens.length > 0, `${id} ships default screens`);
        for (const screen of screens) assert.deepEqual(await listColumns(screen.resource), screen.list, screen.resource);
        const resource = screens[0].resource;
        const changed = ['created_at', ...(screens[0].list ?? []).slice(0, 1)];
        const saved = await owner.send('PUT', `${API}/layouts/${resource}`, { list: changed });
        assert.equal(saved.status, 200, JSON.stringify(saved.body));
        assert.deepEqual(await listColumns(resource), changed);
        const theme = await owner.send('PUT', `${API}/theme`, { branding: { companyName: `Checkpoint ${id}` } });
        assert.equal(theme.status, 200, JSON.stringify(theme.body));
        assert.equal((await owner.pageState()).branding.companyName, `Checkpoint ${id}`);
        assert.equal((await owner.send('DELETE', `${API}/layouts/${resource}`)).status, 204);
        assert.deepEqual(await listColumns(resource), screens[0].list, 'reverted to the module default');
      });
    });
  }

  it('a contact of another workspace is not context for a module here', async () => {
    const third = await t.entities.workspaces.create({ slug: 'third', name: 'Third' });
    await p.marketplace.lifecycle.enable('knowledge', third.slug, undefined, actor);
    await assert.rejects(
      p.runtime.run('knowledge', { workspaceId: third.id, contactId }, async () => undefined),
      (err: Error) => err instanceof NotFoundError,
    );
  });
});
