import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrateDown, migrateUp } from '../platform/db/index.js';
import { generateSigningKeys, keyFingerprint, packageFromDir, signTarball } from '../platform/manifests/index.js';
import { LifecycleError, PublisherError, type Marketplace } from '../platform/registry/index.js';
import { envFor, plinth } from './support/cli.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { marketplaceFootprint, pluginDir } from './support/plugins.js';
import { testPlatform } from './support/platform.js';

const actor = { type: 'system' as const, id: 'test' };
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe(`module ids belong to their publishers; downgrades need --allow-downgrade (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let market: Marketplace;
  let unsignedMarket: Marketplace;
  let work: string;
  let keysDir: string;
  let env: NodeJS.ProcessEnv;
  const keys: Record<'acme' | 'globex', { privateKey: string; shown: string }> = {} as never;

  before(async () => {
    t = await freshDatabase();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-publishers-'));
    keysDir = path.join(work, 'trusted');
    fs.mkdirSync(keysDir);
    for (const name of ['acme', 'globex'] as const) {
      const pair = generateSigningKeys();
      fs.writeFileSync(path.join(keysDir, `${name}.pem`), pair.publicKey);
      // How the registry and its refusals name a key: its fingerprint and its file among the trusted keys.
      keys[name] = { privateKey: pair.privateKey, shown: `${keyFingerprint(createPublicKey(pair.publicKey))} (${name}.pem)` };
    }
    market = testPlatform(t, { trustedKeysDir: keysDir, allowUnsigned: false }).marketplace;
    unsignedMarket = testPlatform(t, { trustedKeysDir: keysDir }).marketplace;
    env = envFor(t.config, { PLINTH_TRUSTED_KEYS: keysDir });
    // The release's own modules, as `plinth migrate up` and every start register them.
    const bundled = await market.registry.registerBundled();
    assert.ok(bundled.some((r) => r.row.moduleId === 'chat' && r.row.source === 'bundled'));
  });
  after(async () => {
    await t.drop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  /** A plugin version packed to a tarball, with `<tarball>.sig` beside it when a key signs it. */
  function tarball(id: string, version: string, signer?: keyof typeof keys, edit: (m: Record<string, any>) => void = () => {}) {
    const pkg = packageFromDir(
      pluginDir(id, (m) => {
        m.version = version;
        m.description = `${id} ${version}`;
        edit(m);
      }),
    );
    const file = path.join(work, `${id}-${version}-${signer ?? 'unsigned'}.tgz`);
    fs.writeFileSync(file, pkg.tarball);
    if (signer) fs.writeFileSync(`${file}.sig`, JSON.stringify(signTarball(pkg.tarball, keys[signer].privateKey)));
    return file;
  }

  const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) => plinth(args, { ...env, ...extra });
  const ok = async (args: string[], extra: NodeJS.ProcessEnv = {}): Promise<string> => {
    const r = await cli(args, extra);
    assert.equal(r.code, 0, `plinth ${args.join(' ')}: ${r.stdout}${r.stderr}`);
    return r.stdout;
  };

  /** Runs a command that must be refused; checks it said `mention` (every one) and wrote nothing. */
  async function refused(args: string[], mention: (string | RegExp)[], extra: NodeJS.ProcessEnv = {}): Promise<string> {
    const before = await state();
    const r = await cli(args, extra);
    assert.equal(r.code, 1, `plinth ${args.join(' ')} was not refused: ${r.stdout}${r.stderr}`);
    for (const m of mention) assert.match(r.stderr, typeof m === 'string' ? new RegExp(escape(m)) : m);
    assert.deepEqual(await state(), before, `plinth ${args.join(' ')} wrote something`);
    return r.stderr;
  }

  /** Registry rows and packages, module roles and schemas, lifecycle events, and every module_publishers row. */
  const state = () => marketplaceFootprint(t.db);

  const binding = async (id: string) => {
    const [row] = await t.db.unit({ role: 'connection' }, () =>
      t.db.rows<{ publisher: string | null; publisherLabel: string | null; boundVersion: string | null; high: string | null }>(
        `SELECT publisher, publisher_label AS "publisherLabel", bound_version AS "boundVersion", highest_installed AS high
           FROM module_publishers WHERE module_id = $1`,
        [id],
      ),
    );
    return row;
  };

  const events = (id: string) =>
    t.db.unit({ role: 'owner' }, () =>
      t.db.rows<{ name: string; payload: Record<string, unknown>; actor: string; txid: string }>(
        `SELECT name, payload, actor_type || ':' || actor_id AS actor, txid::text AS txid FROM events
          WHERE producer = 'plinth' AND payload->>'module' = $1 ORDER BY txid, seq`,
        [id],
      ),
    );

  describe('publishing', () => {
    it('refuses chat@0.2.0 signed by a trusted vendor: the id belongs to the bundled release; nothing is written', async () => {
      const chat = await market.registry.rows('chat');
      assert.deepEqual(await binding('chat'), {
        publisher: 'bundled',
        publisherLabel: 'bundled with Plinth',
        boundVersion: chat[0].version,
        high: null,
      });
      for (const signer of ['globex', 'acme'] as const) {
        await refused(
          ['plugin', 'publish', tarball('chat', '0.2.0', signer)],
          ['module "chat": belongs to the bundled release (bundled with Plinth)', `chat@0.2.0 signed by ${keys[signer].shown}`],
        );
      }
      await refused(
        ['plugin', 'publish', tarball('chat', '0.2.0')],
        ['module "chat": belongs to the bundled release', 'unsigned chat@0.2.0 is refused'],
        { PLINTH_ALLOW_UNSIGNED: '1' },
      );
      assert.deepEqual(await market.registry.rows('chat'), chat);
    });

    it('refuses a first-party id of this release even before the bundled modules are registered', async () => {
      const other = await freshDatabase();
      try {
        const fresh = testPlatform(other, { trustedKeysDir: keysDir, allowUnsigned: false }).marketplace;
        const pkg = packageFromDir(pluginDir('voice', (m) => (m.version = '9.0.0')));
        const before = await marketplaceFootprint(other.db);
        await assert.rejects(
          fresh.registry.publish(pkg, {
            source: 'published',
            label: 'voice',
            signature: signTarball(pkg.tarball, keys.globex.privateKey),
            actor,
          }),
          (err: Error) =>
            err instanceof PublisherError &&
            err.message.includes('module "voice": belongs to the bundled release') &&
            err.message.includes(keys.globex.shown),
        );
        assert.deepEqual(await marketplaceFootprint(other.db), before);
      } finally {
        await other.drop();
      }
    });

    it('binds a vendor id to the key of its first version: another key is refused naming both; the same key publishes on', async () => {
      assert.match(await ok(['plugin', 'publish', tarball('acme-notes', '0.1.0', 'acme')]), /acme-notes@0\.1\.0: published/);
      assert.deepEqual(await binding('acme-notes'), {
        publisher: keyFingerprint(createPublicKey(fs.readFileSync(path.join(keysDir, 'acme.pem')))),
        publisherLabel: keys.acme.shown,
        boundVersion: '0.1.0',
        high: null,
      });
      await refused(
        ['plugin', 'publish', tarball('acme-notes', '0.2.0', 'globex')],
        [
          `module "acme-notes": belongs to the key ${keys.acme.shown}, which published its first version 0.1.0`,
          `acme-notes@0.2.0 signed by ${keys.globex.shown} is refused`,
        ],
      );
      // The same bytes as the published 0.1.0, signed by the other key: refused too, not "unchanged".
      const first = tarball('acme-notes', '0.1.0', 'acme');
      fs.writeFileSync(`${first}.sig`, JSON.stringify(signTarball(fs.readFileSync(first), keys.globex.privateKey)));
      await refused(['plugin', 'publish', first], [keys.acme.shown, keys.globex.shown]);
      assert.match(
        await ok(['plugin', 'publish', tarball('acme-notes', '0.2.0', 'acme')]),
        new RegExp(`acme-notes@0\\.2\\.0: published .*signed by ${escape(keys.acme.shown)}`),
      );
      assert.deepEqual(
        (await market.registry.rows('acme-notes')).map((r) => [r.version, r.signingKey]),
        [
          ['0.1.0', keys.acme.shown],
          ['0.2.0', keys.acme.shown],
        ],
      );
    });

    it('goes by the key, not its file: the same key under another file name still publishes', async () => {
      const renamed = path.join(work, 'renamed');
      fs.mkdirSync(renamed);
      fs.copyFileSync(path.join(keysDir, 'acme.pem'), path.join(renamed, 'acme-2027.pem'));
      fs.copyFileSync(path.join(keysDir, 'globex.pem'), path.join(renamed, 'globex.pem'));
      const r = await ok(['plugin', 'publish', tarball('acme-notes', '0.3.0', 'acme')], { PLINTH_TRUSTED_KEYS: renamed });
      assert.match(r, /acme-notes@0\.3\.0: published .*\(acme-2027\.pem\)/);
      assert.equal((await binding('acme-notes')).publisherLabel, keys.acme.shown);
    });

    it('keeps the binding when every registry row of the id is gone', async () => {
      await ok(['plugin', 'publish', tarball('gone-rows', '0.1.0', 'acme')]);
      await t.db.unit({ role: 'connection' }, () => t.db.exec("DELETE FROM module_registry WHERE module_id = 'gone-rows'"));
      assert.deepEqual(await market.registry.rows('gone-rows'), []);
      await refused(
        ['plugin', 'publish', tarball('gone-rows', '0.1.0', 'globex')],
        [`module "gone-rows": belongs to the key ${keys.acme.shown}`, keys.globex.shown],
      );
    });

    it('an unsigned package (PLINTH_ALLOW_UNSIGNED=1) claims nothing: the first signed version does, then unsigned ones are refused', async () => {
      const unsigned = { PLINTH_ALLOW_UNSIGNED: '1' };
      const first = tarball('dev-notes', '0.1.0');
      assert.match(await ok(['plugin', 'publish', first], unsigned), /dev-notes@0\.1\.0: published .*unsigned/);
      await ok(['plugin', 'publish', tarball('dev-notes', '0.2.0')], unsigned);
      assert.deepEqual(await binding('dev-notes'), { publisher: null, publisherLabel: null, boundVersion: null, high: null });
      // Any trusted key may claim an id nobody signed yet; it is then that key's.
      await ok(['plugin', 'publish', tarball('dev-notes', '0.3.0', 'acme')]);
      assert.equal((await binding('dev-notes')).boundVersion, '0.3.0');
      await refused(
        ['plugin', 'publish', tarball('dev-notes', '0.4.0')],
        [`module "dev-notes": belongs to the key ${keys.acme.shown}`, 'unsigned dev-notes@0.4.0 is refused'],
        unsigned,
      );
      // Nor may another key sign one of the unsigned versions published before the claim.
      fs.writeFileSync(`${first}.sig`, JSON.stringify(signTarball(fs.readFileSync(first), keys.globex.privateKey)));
      await refused(['plugin', 'publish', first], [keys.acme.shown, `dev-notes@0.1.0 signed by ${keys.globex.shown}`]);
      // The key that owns it may.
      fs.writeFileSync(`${first}.sig`, JSON.stringify(signTarball(fs.readFileSync(first), keys.acme.privateKey)));
      assert.match(await ok(['plugin', 'publish', first]), /dev-notes@0\.1\.0: signature added/);
    });

    it('refuses the bundled release an id a vendor key owns (a later release shipping a taken id)', async () => {
      const dir = fs.mkdtempSync(path.join(work, 'release-'));
      fs.cpSync(
        pluginDir('acme-notes', (m) => (m.version = '5.0.0')),
        path.join(dir, 'acme-notes'),
        { recursive: true },
      );
      const before = await state();
      await assert.rejects(
        market.registry.publish(packageFromDir(path.join(dir, 'acme-notes')), {
          source: 'bundled',
          label: 'acme-notes',
          actor,
        }),
        (err: Error) =>
          err instanceof PublisherError &&
          err.message.includes(`module "acme-notes": belongs to the key ${keys.acme.shown}`) &&
          err.message.includes('the bundled release is refused'),
      );
      assert.deepEqual(await state(), before);
    });
  });

  describe('downgrades', () => {
    before(async () => {
      for (const version of ['0.1.0', '0.2.0']) await ok(['plugin', 'publish', tarball('roll-back', version, 'acme')]);
    });

    it('by upgrade: refused without --allow-downgrade, naming both versions and the flag; with it, done and recorded', async () => {
      assert.match(await ok(['plugin', 'install', 'roll-back@0.1.0']), /installed roll-back@0\.1\.0$/m);
      assert.match(await ok(['plugin', 'upgrade', 'roll-back']), /upgraded roll-back to 0\.2\.0/);
      assert.equal((await binding('roll-back')).high, '0.2.0');
      await refused(
        ['plugin', 'upgrade', 'roll-back', '0.1.0'],
        [
          'module "roll-back": 0.1.0 is older than the installed 0.2.0: downgrades are refused; pass --allow-downgrade to go back to 0.1.0',
        ],
      );
      assert.equal((await market.registry.installed('roll-back'))!.version, '0.2.0');
      assert.match(
        await ok(['plugin', 'upgrade', 'roll-back', '0.1.0', '--allow-downgrade']),
        /downgraded roll-back from 0\.2\.0 to 0\.1\.0/,
      );
      assert.equal((await market.registry.installed('roll-back'))!.version, '0.1.0');
      const last = (await events('roll-back')).at(-1)!;
      assert.deepEqual(
        [last.name, last.payload, last.actor],
        ['plinth.module_downgraded', { module: 'roll-back', from: '0.2.0', to: '0.1.0', via: 'upgrade' }, 'system:cli'],
      );
      // A high-water mark: going back does not lower it.
      assert.equal((await binding('roll-back')).high, '0.2.0');
    });

    it('by uninstall then install of an older version: refused without the flag, even after --purge; with it, recorded in the install', async () => {
      await ok(['plugin', 'upgrade', 'roll-back']);
      await ok(['plugin', 'uninstall', 'roll-back']);
      const message =
        'module "roll-back": 0.1.0 is older than 0.2.0, installed before: downgrades are refused; pass --allow-downgrade';
      await refused(['plugin', 'install', 'roll-back@0.1.0'], [message]);
      // The version installed last is no downgrade; dropping the data does not forget the mark.
      assert.match(await ok(['plugin', 'install', 'roll-back@0.2.0']), /installed roll-back@0\.2\.0$/m);
      await ok(['plugin', 'uninstall', 'roll-back', '--purge']);
      await refused(['plugin', 'install', 'roll-back@0.1.0'], [message]);
      assert.equal(await market.registry.installed('roll-back'), null);

      assert.match(
        await ok(['plugin', 'install', 'roll-back@0.1.0', '--allow-downgrade']),
        /installed roll-back@0\.1\.0 \(downgraded from 0\.2\.0\)/,
      );
      assert.equal((await market.registry.installed('roll-back'))!.version, '0.1.0');
      const [installed, downgraded] = (await events('roll-back')).slice(-2);
      assert.deepEqual(
        [installed.name, downgraded.name, downgraded.payload, downgraded.actor],
        [
          'plinth.module_installed',
          'plinth.module_downgraded',
          { module: 'roll-back', from: '0.2.0', to: '0.1.0', via: 'install' },
          'system:cli',
        ],
      );
      assert.equal(downgraded.txid, installed.txid, 'the downgrade is recorded in the install’s transaction');
    });

    it('with the flag, still refuses a version whose tables no longer match: migrations do not run backwards', async () => {
      await unsignedMarket.registry.publish(packageFromDir(pluginDir('grow-back')), {
        source: 'published',
        label: 'grow-back',
        actor,
      });
      const v2 = pluginDir(
        'grow-back',
        (m) => {
          m.version = '0.2.0';
          m.tables[0].schema.properties.priority = { type: 'integer' };
        },
        { 'migrations/0002-priority.sql': 'ALTER TABLE notes ADD COLUMN IF NOT EXISTS priority bigint;\n' },
      );
      await unsignedMarket.registry.publish(packageFromDir(v2), { source: 'published', label: 'grow-back', actor });
      await market.lifecycle.install('grow-back', undefined, actor);
      const before = await state();
      await assert.rejects(
        market.lifecycle.upgrade('grow-back', '0.1.0', actor, { allowDowngrade: true }),
        (err: Error) => err instanceof LifecycleError && /notes\.priority exists but is not declared/.test(err.message),
      );
      assert.deepEqual(await state(), before);
    });
  });

  describe('a database from before module_publishers', () => {
    it('binds each id to the key of its oldest signed or bundled version, and marks the newest installed', async () => {
      const old = await freshDatabase();
      try {
        await migrateDown(old.db, '0015-module-publishers');
        await old.db.unit({ role: 'owner' }, async () => {
          const insert = (id: string, version: string, source: string, key: string | null, status: string, at: string) =>
            old.db.exec(
              `INSERT INTO module_registry (module_id, version, manifest, package_sha256, signing_key, source, status, created_at)
               VALUES ($1, $2, '{}', repeat('a', 64), $3, $4, $5, $6)`,
              [id, version, key, source, status, at],
            );
          await insert('chat', '0.1.0', 'bundled', 'bundled with Plinth', 'published', '2026-01-01');
          await insert('chat', '0.2.0', 'published', keys.globex.shown, 'installed', '2026-02-01');
          await insert('acme-notes', '0.1.0', 'published', null, 'published', '2026-01-01');
          await insert('acme-notes', '0.2.0', 'published', keys.acme.shown, 'uninstalled', '2026-01-02');
          await insert('acme-notes', '0.3.0', 'published', keys.globex.shown, 'published', '2026-01-03');
          await insert('dev-notes', '0.1.0', 'published', null, 'published', '2026-01-01');
        });
        await migrateUp(old.db);
        const rows = await old.db.unit({ role: 'connection' }, () =>
          old.db.rows(
            `SELECT module_id, publisher, publisher_label, bound_version, highest_installed FROM module_publishers ORDER BY module_id`,
          ),
        );
        assert.deepEqual(rows, [
          {
            module_id: 'acme-notes',
            publisher: keys.acme.shown.split(' ')[0],
            publisher_label: keys.acme.shown,
            bound_version: '0.2.0',
            highest_installed: '0.2.0',
          },
          {
            module_id: 'chat',
            publisher: 'bundled',
            publisher_label: 'bundled with Plinth',
            bound_version: '0.1.0',
            highest_installed: '0.2.0',
          },
          { module_id: 'dev-notes', publisher: null, publisher_label: null, bound_version: null, highest_installed: null },
        ]);
      } finally {
        await old.drop();
      }
    });
  });
});
