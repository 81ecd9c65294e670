import fs from 'node:fs';

/** Debian's Chromium, driven by playwright-core: never a downloaded browser. */
export const CHROMIUM = '/usr/bin/chromium';

/** A browser test is any test in a file that drives Chromium through the browser helper. */
const drivesChromium = new Map<string, boolean>();
function isBrowserFile(file: string): boolean {
  let found = drivesChromium.get(file);
  if (found === undefined) {
    found = /from ['"][^'"]*support\/browser\.js['"]/.test(fs.readFileSync(file, 'utf8'));
    drivesChromium.set(file, found);
  }
  return found;
}

/** Every test under `suite` that drives Chromium and was skipped, as "file: full title". */
export function skippedBrowserTests(suite: Mocha.Suite): string[] {
  const skipped = suite.tests
    .filter((test) => test.isPending() && test.file !== undefined && isBrowserFile(test.file))
    .map((test) => `${test.file}: ${test.fullTitle()}`);
  return [...skipped, ...suite.suites.flatMap(skippedBrowserTests)];
}

/**
 * Mocha root hook: where Chromium is installed a skipped browser test hides a page nobody
 * looked at, so the run fails, whatever made the test skip.
 */
export function failOnSkippedBrowserTests(root: Mocha.Suite): void {
  if (!fs.existsSync(CHROMIUM)) return;
  const skipped = skippedBrowserTests(root);
  if (skipped.length === 0) return;
  throw new Error(`${CHROMIUM} is installed, yet ${skipped.length} browser test(s) were skipped:\n  ${skipped.join('\n  ')}`);
}
