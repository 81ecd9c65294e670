import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PlinthError } from '../platform/errors/index.js';
import { packageFromDir } from '../platform/manifests/index.js';
import type { Marketplace } from '../platform/registry/index.js';
import { envFor, plinth } from './support/cli.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { FIXTURES, marketplaceFootprint, pluginDir } from './support/plugins.js';
import { testPlatform } from './support/platform.js';

const CORPUS = path.join(FIXTURES, 'invalid-manifests');
const cases = fs.readdirSync(CORPUS).sort();
const mentionOf = (c: string): string =>
  (JSON.parse(fs.readFileSync(path.join(CORPUS, c, 'expect.json'), 'utf8')) as { mention: string }).mention;

/** What `fn` was refused with: the text `plinth` prints after "error: ", or why it was not a clean refusal. */
async function refusal(fn: () => Promise<unknown>): Promise<{ message?: string; unexpected?: string }> {
  try {
    await fn();
    return { unexpected: 'was accepted' };
  } catch (err) {
    if (err instanceof PlinthError) return { message: err.message };
    return { unexpected: `failed with ${(err as Error).stack ?? String(err)}` };
  }
}

describe(`the invalid manifest corpus (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let env: NodeJS.ProcessEnv;
  let marketplace: Marketplace;

  before(async () => {
    t = await freshDatabase();
    env = envFor(t.config, { PLINTH_ALLOW_UNSIGNED: '1' });
    ({ marketplace } = testPlatform(t));
    // A module already in the registry that depends on cycle-origin: the cycle case closes the loop.
    await marketplace.registry.publish(packageFromDir(path.join(FIXTURES, 'cycle-partner')), {
      source: 'published',
      label: 'cycle-partner',
      actor: { type: 'system', id: 'test' },
    });
  });
  after(() => t.drop());

  it('holds at least 30 cases, each naming what its refusal must mention', () => {
    assert.ok(cases.length >= 30, `${cases.length} cases`);
    for (const c of cases) assert.ok(mentionOf(c), c);
  });

  it('the manifest the corpus departs from is itself valid, by `plinth plugin validate`', async () => {
    const run = await plinth(['plugin', 'validate', pluginDir('acme-demo')], env);
    assert.equal(run.code, 0, run.stderr);
  });

  // The commands' own code paths, once each: the cases below go through the same registry calls in process.
  for (const command of ['validate', 'publish']) {
    it(`\`plinth plugin ${command}\` refuses a case with exit code 1, naming its path`, async () => {
      const dir = path.join(CORPUS, 'unknown-capability');
      const run = await plinth(['plugin', command, dir], env);
      assert.equal(run.code, 1, `${run.stdout}${run.stderr}`);
      assert.ok(run.stderr.startsWith('error: '), run.stderr);
      assert.ok(run.stderr.includes(mentionOf('unknown-capability')), run.stderr);
      assert.ok(run.stderr.includes(`${dir}/manifest.json`), run.stderr);
    });
  }

  it('refuses every case, by validate and by publish, naming its path, and writes nothing', async () => {
    const before = await marketplaceFootprint(t.db);
    const failures: string[] = [];
    for (const c of cases) {
      const dir = path.join(CORPUS, c);
      const mention = mentionOf(c);
      // What `plugin validate` and `plugin publish` call for a folder (platform/cli/commands/plugin.ts).
      const attempts = {
        validate: async () => marketplace.registry.validate(packageFromDir(dir), dir),
        publish: async () =>
          marketplace.registry.publish(packageFromDir(dir), {
            source: 'published',
            label: dir,
            actor: { type: 'system', id: 'cli' },
          }),
      };
      for (const [command, attempt] of Object.entries(attempts)) {
        const { message, unexpected } = await refusal(attempt);
        if (unexpected) failures.push(`${c}: ${command} ${unexpected}`);
        else if (!message!.includes(mention)) failures.push(`${c}: ${command} did not mention ${mention}:\n${message}`);
      }
    }
    assert.deepEqual(failures, []);
    assert.deepEqual(await marketplaceFootprint(t.db), before);
  });
});
