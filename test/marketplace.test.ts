import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConflictError, ValidationError } from '../platform/errors/index.js';
import {
  contractTypes,
  generateSigningKeys,
  MANIFESTS_DIR,
  packageFromDir,
  SignatureError,
  signTarball,
} from '../platform/manifests/index.js';
import { LifecycleError, type Marketplace } from '../platform/registry/index.js';
import { envFor, plinth } from './support/cli.js';
import { freshDatabase, onServer, uniqueSlug, type TestDatabase } from './support/database.js';
import { marketplaceFootprint, pluginDir } from './support/plugins.js';
import { testPlatform } from './support/platform.js';

const actor = { type: 'system' as const, id: 'test' };

describe(`marketplace: registry and module lifecycle (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let market: Marketplace;
  let keysDir: string;
  let vendorKey: string;

  before(async () => {
    t = await freshDatabase();
    keysDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-keys-'));
    const vendor = generateSigningKeys();
    vendorKey = vendor.privateKey;
    fs.writeFileSync(path.join(keysDir, 'acme.pem'), vendor.publicKey);
    market = testPlatform(t, { trustedKeysDir: keysDir, allowUnsigned: false }).marketplace;
  });
  after(async () => {
    await t.drop();
    fs.rmSync(keysDir, { recursive: true, force: true });
  });

  const publishUnsigned = (dir: string) =>
    testPlatform(t).marketplace.registry.publish(packageFromDir(dir), {
      source: 'published',
      label: dir,
      actor,
    });

  describe('packages and signatures', () => {
    it('packs the same folder to the same bytes, with zeroed times and sorted entries', () => {
      const dir = pluginDir('pack-check');
      const a = packageFromDir(dir);
      const b = packageFromDir(dir);
      assert.equal(a.sha256, b.sha256);
      assert.ok(a.tarball.equals(b.tarball));
      const file = path.join(dir, '..', 'pack-check.tgz');
      fs.writeFileSync(file, a.tarball);
      const listing = execFileSync('tar', ['tzvf', file]).toString().trim().split('\n');
      assert.ok(
        listing.every((l) => l.includes('1970-01-01')),
        listing.join('\n'),
      );
      const names = listing.map((l) => l.split(/\s+/).pop()!);
      assert.deepEqual(names, [...names].sort());
    });

    it('refuses an unsigned package unless unsigned ones are allowed', async () => {
      const before = await marketplaceFootprint(t.db);
      await assert.rejects(
        market.registry.publish(packageFromDir(pluginDir('unsigned-one')), { source: 'published', label: 'unsigned-one', actor }),
        (err: Error) => err instanceof SignatureError && /is not signed/.test(err.message),
      );
      assert.deepEqual(await marketplaceFootprint(t.db), before);
    });

    it('publishes a package signed by a trusted key and records the key', async () => {
      const pkg = packageFromDir(pluginDir('signed-one'));
      const { row, outcome } = await market.registry.publish(pkg, {
        source: 'published',
        label: 'signed-one',
        signature: signTarball(pkg.tarball, vendorKey),
        actor,
      });
      assert.equal(outcome, 'published');
      assert.match(row.signingKey!, /^ed25519:[0-9a-f]{16} \(acme\.pem\)$/);
      assert.equal(row.packageSha256, pkg.sha256);
    });

    it('refuses a tarball changed by one byte after signing, and one signed by an untrusted key', async () => {
      const dir = pluginDir('tampered-one');
      const file = path.join(dir, '..', 'tampered-one.tgz');
      const pkg = packageFromDir(dir);
      const signature = signTarball(pkg.tarball, vendorKey);
      const tampered = Buffer.from(pkg.tarball);
      tampered[Math.floor(tampered.length / 2)] ^= 0x01;
      fs.writeFileSync(file, tampered);
      const before = await marketplaceFootprint(t.db);
      await assert.rejects(
        market.registry.publishTarball(fs.readFileSync(file), { source: 'published', label: file, signature, actor }),
        (err: Error) => err instanceof SignatureError && /changed after signing/.test(err.message),
      );
      const stranger = generateSigningKeys().privateKey;
      await assert.rejects(
        market.registry.publish(pkg, {
          source: 'published',
          label: 'tampered-one',
          signature: signTarball(pkg.tarball, stranger),
          actor,
        }),
        (err: Error) => err instanceof SignatureError && /not among the trusted keys/.test(err.message),
      );
      assert.deepEqual(await marketplaceFootprint(t.db), before);
    });

    it('republishing the same content is a no-op; other content under the same version is refused', async () => {
      const dir = pluginDir('republish');
      assert.equal((await publishUnsigned(dir)).outcome, 'published');
      assert.equal((await publishUnsigned(dir)).outcome, 'unchanged');
      fs.appendFileSync(path.join(dir, 'README.md'), 'changed\n');
      const before = await marketplaceFootprint(t.db);
      await assert.rejects(
        publishUnsigned(dir),
        (err: Error) => err instanceof ConflictError && /already published with other content/.test(err.message),
      );
      assert.deepEqual(await marketplaceFootprint(t.db), before);
    });
  });

  describe('bundled modules', () => {
    it('registers every folder of plugins/ as bundled, dependencies in any order, once; a broken one is skipped', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-bundled-'));
      const copy = (from: string, name: string) => fs.cpSync(from, path.join(dir, name), { recursive: true });
      // "a-listener" sorts first but subscribes to an event of "z-source": it must wait a round.
      copy(pluginDir('z-source'), 'z-source');
      copy(
        pluginDir(
          'a-listener',
          (m) => (m.events.subscribes = [{ event: 'z_source.note_added', handler: 'handlers/on-note-added.js' }]),
        ),
        'a-listener',
      );
      copy(
        pluginDir('m-broken', (m) => (m.engine = '^99.0.0')),
        'm-broken',
      );
      const first = await market.registry.registerBundled(dir);
      assert.deepEqual(first.map((r) => [r.row.moduleId, r.row.source, r.outcome]).sort(), [
        ['a-listener', 'bundled', 'published'],
        ['z-source', 'bundled', 'published'],
      ]);
      assert.equal(first.find((r) => r.row.moduleId === 'a-listener')!.row.signingKey, 'bundled with Plinth');
      const again = await market.registry.registerBundled(dir);
      assert.deepEqual(
        again.map((r) => r.outcome),
        ['unchanged', 'unchanged'],
      );
      assert.deepEqual(await market.registry.rows('m-broken'), []);
      fs.rmSync(dir, { recursive: true, force: true });
    });
  });

  describe('install', () => {
    it('creates schema, roles and declared tables with forced row-level security, owned by the module owner', async () => {
      await publishUnsigned(pluginDir('notes-a'));
      const row = await market.lifecycle.install('notes-a', undefined, actor);
      assert.equal(row.status, 'installed');
      const [table] = await t.db.unit({ role: 'connection' }, () =>
        t.db.rows<{ tableowner: string; rowsecurity: boolean; forced: boolean }>(
          `SELECT t.tableowner, c.relrowsecurity AS rowsecurity, c.relforcerowsecurity AS forced
             FROM pg_tables t JOIN pg_class c ON c.relname = t.tablename AND c.relnamespace = 'mod_notes_a'::regnamespace
            WHERE t.schemaname = 'mod_notes_a' AND t.tablename = 'notes'`,
        ),
      );
      assert.deepEqual(table, { tableowner: `${t.db.roles.prefix}mod_notes_a_owner`, rowsecurity: true, forced: true });
      const applied = await t.db.unit({ role: 'connection' }, () =>
        t.db.rows<{ name: string }>('SELECT name FROM mod_notes_a.plinth_migrations'),
      );
      assert.deepEqual(
        applied.map((a) => a.name),
        ['0001-title-search'],
      );
    });

    it('a plugin whose second migration fails leaves no schema, no role and no installed status', async () => {
      const dir = pluginDir('broken-b', () => {}, {
        'migrations/0002-broken.sql': 'ALTER TABLE notes ADD COLUMN score integer;\nDELETE FROM no_such_table;\n',
      });
      await publishUnsigned(dir);
      const before = await marketplaceFootprint(t.db);
      await assert.rejects(
        market.lifecycle.install('broken-b', undefined, actor),
        (err: Error) =>
          err instanceof LifecycleError &&
          /migration 0002-broken failed: relation "no_such_table" does not exist/.test(err.message),
      );
      assert.deepEqual(await marketplaceFootprint(t.db), before);
      const [state] = await t.db.unit({ role: 'connection' }, () =>
        t.db.rows<{ schema: string | null; status: string }>(
          `SELECT to_regnamespace('mod_broken_b')::text AS schema, (SELECT status FROM module_registry WHERE module_id = 'broken-b') AS status`,
        ),
      );
      assert.deepEqual(state, { schema: null, status: 'published' });
    });

    it('refuses a migration that tries to take back the connecting role', async () => {
      await publishUnsigned(
        pluginDir('sneaky-c', () => {}, { 'migrations/0002-escape.sql': 'RESET ROLE;\nDROP TABLE public.users;\n' }),
      );
      await assert.rejects(
        market.lifecycle.install('sneaky-c', undefined, actor),
        /migrations\/0002-escape\.sql: statement RESET is not allowed in a module migration/,
      );
    });

    it('refuses tables that do not match the manifest after the migrations', async () => {
      await publishUnsigned(
        pluginDir('drift-d', () => {}, { 'migrations/0002-drift.sql': 'ALTER TABLE notes ADD COLUMN undeclared text;\n' }),
      );
      await assert.rejects(market.lifecycle.install('drift-d', undefined, actor), /notes\.undeclared exists but is not declared/);
    });
  });

  describe('enable, disable, upgrade, uninstall', () => {
    let slug: string;
    before(async () => {
      slug = uniqueSlug('tenant');
      await t.entities.workspaces.create({ slug, name: 'Tenant' });
    });

    it('enables with settings checked against the schema, refusing bad settings with their path', async () => {
      await publishUnsigned(pluginDir('notes-e'));
      await market.lifecycle.install('notes-e', undefined, actor);
      const before = await marketplaceFootprint(t.db);
      await assert.rejects(
        market.lifecycle.enable('notes-e', slug, { signature: 42 }, actor),
        (err: Error) => err instanceof ValidationError && /settings\/signature: must be string/.test(err.message),
      );
      assert.deepEqual(await marketplaceFootprint(t.db), before);
      const installation = await market.lifecycle.enable('notes-e', slug, { signature: 'Acme' }, actor);
      assert.deepEqual([installation.enabled, installation.settings], [true, { signature: 'Acme' }]);
    });

    it('refuses a paid module without a covering subscription, naming what is missing, and enables it with one', async () => {
      await publishUnsigned(
        pluginDir('paid-f', (m) => (m.pricing = { model: 'flat', amount: 49, currency: 'EUR', interval: 'month' })),
      );
      await market.lifecycle.install('paid-f', undefined, actor);
      const ws = await t.entities.workspaces.create({ slug: uniqueSlug('payer'), name: 'Payer' });
      const account = await t.entities.billing.createAccount(ws.id, { name: 'Payer Ltd', currency: 'EUR' });
      const period = {
        currentPeriodStart: new Date(Date.now() - 86_400_000),
        currentPeriodEnd: new Date(Date.now() + 30 * 86_400_000),
      };
      const sub = await t.entities.billing.createSubscription(account.id, ws.id, {
        plan: 'starter',
        modules: [],
        status: 'active',
        ...period,
      });
      await assert.rejects(
        market.lifecycle.enable('paid-f', ws.slug, undefined, actor),
        (err: Error) =>
          err instanceof LifecycleError &&
          err.message.includes(
            `workspace "${ws.slug}" needs an active subscription covering "paid-f" on billing account "Payer Ltd"`,
          ) &&
          err.message.includes('only starter (active, modules: none)'),
      );
      await t.entities.billing.updateSubscription(ws.id, sub.id, { modules: ['paid-f'] });
      assert.equal((await market.lifecycle.enable('paid-f', ws.slug, undefined, actor)).enabled, true);
    });

    it('needs dependencies installed before install and enabled before enable; disabling one refuses while dependents run', async () => {
      const dependent = pluginDir('uses-e', (m) => (m.dependencies = { 'notes-e': '^0.1.0' }));
      await publishUnsigned(dependent);
      await market.lifecycle.install('uses-e', undefined, actor);
      const other = await t.entities.workspaces.create({ slug: uniqueSlug('other'), name: 'Other' });
      await assert.rejects(
        market.lifecycle.enable('uses-e', other.slug, undefined, actor),
        new RegExp(`needs notes-e enabled in workspace "${other.slug}" first`),
      );
      await market.lifecycle.enable('uses-e', slug, undefined, actor);
      await assert.rejects(market.lifecycle.disable('notes-e', slug, actor), /uses-e depend on it/);
      await assert.rejects(market.lifecycle.uninstall('notes-e', false, actor), /uses-e depend on it; uninstall them first/);
      await market.lifecycle.disable('uses-e', slug, actor);
      await market.lifecycle.disable('notes-e', slug, actor);
      assert.deepEqual(
        (await market.lifecycle.installations((await t.entities.workspaces.bySlug(slug)).id)).map((i) => [i.moduleId, i.enabled]),
        [
          ['notes-e', false],
          ['uses-e', false],
        ],
      );
    });

    it('upgrades forward with a migration and a new column, and refuses a downgrade', async () => {
      await publishUnsigned(pluginDir('grow-g'));
      await market.lifecycle.install('grow-g', undefined, actor);
      const v2 = pluginDir(
        'grow-g',
        (m) => {
          m.version = '0.2.0';
          m.tables[0].schema.properties.priority = { type: 'integer' };
        },
        { 'migrations/0002-priority.sql': 'ALTER TABLE notes ADD COLUMN priority bigint;\n' },
      );
      await publishUnsigned(v2);
      const upgraded = await market.lifecycle.upgrade('grow-g', undefined, actor);
      assert.equal(upgraded.version, '0.2.0');
      const columns = await t.db.unit({ role: 'connection' }, () =>
        t.db.rows<{ column_name: string }>(
          "SELECT column_name FROM information_schema.columns WHERE table_schema = 'mod_grow_g' AND table_name = 'notes'",
        ),
      );
      assert.ok(columns.some((c) => c.column_name === 'priority'));
      await assert.rejects(
        market.lifecycle.upgrade('grow-g', '0.1.0', actor),
        /0\.1\.0 is older than the installed 0\.2\.0: downgrades are refused/,
      );
    });

    it('uninstall keeps the data; --purge drops schema and roles', async () => {
      await publishUnsigned(pluginDir('gone-h'));
      await market.lifecycle.install('gone-h', undefined, actor);
      const ws = await t.entities.workspaces.bySlug(slug);
      await t.db.unit({ role: 'connection' }, () =>
        t.db.exec("INSERT INTO mod_gone_h.notes (workspace_id, title) VALUES ($1, 'kept')", [ws.id]),
      );
      await market.lifecycle.uninstall('gone-h', false, actor);
      const kept = await t.db.unit({ role: 'connection' }, () => t.db.rows('SELECT title FROM mod_gone_h.notes'));
      assert.deepEqual(kept, [{ title: 'kept' }]);
      await market.lifecycle.install('gone-h', undefined, actor);
      await market.lifecycle.uninstall('gone-h', true, actor);
      const [left] = await t.db.unit({ role: 'connection' }, () =>
        t.db.rows<{ schema: string | null; roles: string }>(
          "SELECT to_regnamespace('mod_gone_h')::text AS schema, (SELECT count(*) FROM pg_roles WHERE rolname LIKE '%mod_gone_h%') AS roles",
        ),
      );
      assert.deepEqual(left, { schema: null, roles: '0' });
    });

    it('records every lifecycle step in the event log', async () => {
      const rows = await t.db.unit({ role: 'owner' }, () =>
        t.db.rows<{ name: string }>(
          "SELECT DISTINCT name FROM events WHERE producer = 'plinth' AND payload->>'module' = 'gone-h'",
        ),
      );
      assert.deepEqual(rows.map((r) => r.name).sort(), [
        'plinth.module_installed',
        'plinth.module_published',
        'plinth.module_uninstalled',
      ]);
    });
  });

  describe('contract types', () => {
    it('the committed manifests/types match the schemas (npm run gen:types)', async () => {
      for (const [file, ts] of await contractTypes()) {
        assert.equal(
          fs.readFileSync(path.join(MANIFESTS_DIR, 'types', file), 'utf8'),
          ts,
          `manifests/types/${file} drifted: run npm run gen:types`,
        );
      }
    });
  });

  describe('vendor kit, from zero to an enabled module (the CLI)', () => {
    it('init, the plugin test, validate, publish unsigned then signed, install, enable', async function () {
      const work = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-vendor-'));
      const env = envFor(t.config, { PLINTH_TRUSTED_KEYS: keysDir });
      const run = async (args: string[], extra: NodeJS.ProcessEnv = {}) => {
        const r = await plinth(args, { ...env, ...extra });
        assert.equal(r.code, 0, `plinth ${args.join(' ')}: ${r.stdout}${r.stderr}`);
        return r.stdout;
      };
      const dir = path.join(work, 'acme-demo');
      await run(['plugin', 'init', 'acme-demo', '--dir', dir]);
      const own = execFileSync('npm', ['test'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      assert.match(own, /# pass 2/);
      assert.match(own, /# fail 0/);
      assert.match(await run(['plugin', 'validate', dir]), /acme-demo@0\.1\.0 is valid/);
      const refused = await plinth(['plugin', 'publish', dir], env);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /is not signed/);
      assert.match(
        await run(['plugin', 'publish', dir], { PLINTH_ALLOW_UNSIGNED: '1' }),
        /acme-demo@0\.1\.0: published .*unsigned/,
      );
      const tarball = /^(.*\.tgz)$/m.exec(
        await run(['plugin', 'pack', dir, '--out', path.join(work, 'acme-demo-0.1.0.tgz')]),
      )![1];
      fs.writeFileSync(path.join(work, 'vendor.key'), vendorKey);
      await run(['plugin', 'sign', tarball, '--key', path.join(work, 'vendor.key')]);
      assert.match(await run(['plugin', 'publish', tarball]), /acme-demo@0\.1\.0: signature added .*signed by ed25519:/);
      assert.match(await run(['plugin', 'install', 'acme-demo']), /installed acme-demo@0\.1\.0/);
      const slug = uniqueSlug('client-a');
      await t.entities.workspaces.create({ slug, name: 'Client A' });
      assert.match(await run(['plugin', 'enable', 'acme-demo', '--workspace', slug]), new RegExp(`enabled acme-demo in ${slug}`));
      const listed = JSON.parse(await run(['plugin', 'list', '--workspace', slug, '--json'])) as {
        id: string;
        enabled: boolean;
        status: string;
      }[];
      assert.deepEqual(
        listed.find((l) => l.id === 'acme-demo'),
        { ...listed.find((l) => l.id === 'acme-demo'), enabled: true, status: 'installed' },
      );
      await run(['plugin', 'types', dir]);
      assert.match(
        fs.readFileSync(path.join(dir, 'plinth-types.ts'), 'utf8'),
        /export interface AcmeDemoNoteAddedPayload \{\s+noteId: string;\s+title: string;\s+\}/,
      );
      fs.rmSync(work, { recursive: true, force: true });
    });
  });
});
