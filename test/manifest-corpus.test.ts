import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { packageFromDir } from '../platform/manifests/index.js';
import { envFor, plinth } from './support/cli.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { FIXTURES, marketplaceFootprint, pluginDir } from './support/plugins.js';
import { testPlatform } from './support/platform.js';

const CORPUS = path.join(FIXTURES, 'invalid-manifests');
const cases = fs.readdirSync(CORPUS).sort();

/** Runs `fn` over `items`, `limit` at a time. */
async function inBatches<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += limit) await Promise.all(items.slice(i, i + limit).map(fn));
}

describe(`the invalid manifest corpus (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    t = await freshDatabase();
    env = envFor(t.config, { PLINTH_ALLOW_UNSIGNED: '1' });
    // A module already in the registry that depends on cycle-origin: the cycle case closes the loop.
    const { marketplace } = testPlatform(t);
    await marketplace.registry.publish(packageFromDir(path.join(FIXTURES, 'cycle-partner')), {
      source: 'published',
      label: 'cycle-partner',
      actor: { type: 'system', id: 'test' },
    });
  });
  after(() => t.drop());

  it('holds at least 30 cases, each naming what its refusal must mention', () => {
    assert.ok(cases.length >= 30, `${cases.length} cases`);
    for (const c of cases) assert.ok(JSON.parse(fs.readFileSync(path.join(CORPUS, c, 'expect.json'), 'utf8')).mention, c);
  });

  it('the manifest the corpus departs from is itself valid', async () => {
    const run = await plinth(['plugin', 'validate', pluginDir('acme-demo')], env);
    assert.equal(run.code, 0, run.stderr);
  });

  it('refuses every case, by validate and by publish, naming its path, and writes nothing', async function () {
    // About 90 CLI processes, each a Node start: 100–118 s on this machine, too near the suite's 120 s.
    this.timeout(300_000);
    const before = await marketplaceFootprint(t.db);
    const failures: string[] = [];
    await inBatches(cases, 4, async (c) => {
      const { mention } = JSON.parse(fs.readFileSync(path.join(CORPUS, c, 'expect.json'), 'utf8')) as { mention: string };
      for (const command of ['validate', 'publish']) {
        const run = await plinth(['plugin', command, path.join(CORPUS, c)], env);
        if (run.code !== 1) failures.push(`${c}: ${command} exited ${run.code}: ${run.stdout}${run.stderr}`);
        else if (!run.stderr.includes(mention)) failures.push(`${c}: ${command} did not mention ${mention}:\n${run.stderr}`);
      }
    });
    assert.deepEqual(failures, []);
    assert.deepEqual(await marketplaceFootprint(t.db), before);
  });
});
