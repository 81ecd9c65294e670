import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CHROMIUM } from './support/chromium.js';

const MOCHA = fileURLToPath(new URL('../../node_modules/mocha/bin/mocha.js', import.meta.url));
const HOOKS = fileURLToPath(new URL('./support/shared.js', import.meta.url));
const SPEC = fileURLToPath(new URL('./fixtures/browser-test-skipped.js', import.meta.url));

/** Runs the one-test fixture spec in a mocha of its own, with the suite's root hooks. */
function runFixture(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MOCHA, '--no-config', '--no-package', '--require', HOOKS, '--reporter', 'dot', SPEC], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('a skipped browser test where Chromium is installed', function () {
  before(function () {
    if (!fs.existsSync(CHROMIUM)) this.skip(); // without Chromium, skipping is what browser tests must do
  });

  it('fails the run, naming the test', async () => {
    const run = await runFixture({ SKIP_BROWSER_TEST: '1' });
    assert.notEqual(run.code, 0, run.output);
    assert.match(run.output, /\/usr\/bin\/chromium is installed, yet 1 browser test\(s\) were skipped/);
    assert.match(run.output, /browser-test-skipped\.js: a page in Chromium is looked at/);
  });

  it('passes the run when the browser test ran', async () => {
    const run = await runFixture({});
    assert.equal(run.code, 0, run.output);
  });
});
