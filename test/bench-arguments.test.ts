import assert from 'node:assert/strict';
import { BenchArgumentError, countArgument, runsArgument } from '../bench/runs.js';

/** The benches' counts (`--runs`, `bench:api`'s `--contacts`): a whole number in range, or a refusal naming the flag. */
describe("the benches' count arguments", function () {
  const range = { fallback: 1_000_000, min: 1000, max: 10_000_000 };

  it('reads the number after the flag, and the fallback without the flag', function () {
    assert.equal(countArgument('--contacts', range, ['node', 'api.js', '--runs', '3', '--contacts', '20000']), 20_000);
    assert.equal(countArgument('--contacts', range, ['node', 'api.js', '--runs', '3']), 1_000_000);
    assert.equal(runsArgument(['node', 'api.js', '--runs', '3']), 3);
  });

  for (const [given, why] of [
    [['--contacts', '999'], 'below the range'],
    [['--contacts', '20000.5'], 'not whole'],
    [['--contacts', 'many'], 'not a number'],
    [['--contacts'], 'missing'],
  ] as const)
    it(`refuses a value ${why}, naming the flag and the range`, function () {
      assert.throws(
        () => countArgument('--contacts', range, ['node', 'api.js', ...given]),
        (err: Error) =>
          err instanceof BenchArgumentError &&
          err.message.startsWith('--contacts: expected a whole number from 1,000 to 10,000,000, got ') &&
          err.message.endsWith(given.length === 2 ? JSON.stringify(given[1]) : 'null'),
      );
    });

  it('refuses --runs outside 1 to 100 as before', function () {
    assert.throws(
      () => runsArgument(['node', 'run.js', '--runs', '0']),
      /^BenchArgumentError: --runs: expected a whole number from 1 to 100, got "0"$/,
    );
  });
});
