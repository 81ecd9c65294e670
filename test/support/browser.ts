import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, driven by playwright-core: never a downloaded browser. */
export const CHROMIUM = '/usr/bin/chromium';
/** Where screenshots go: kept by CI as artifacts, ignored by git. */
export const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/screenshots/', import.meta.url));

/** Skips the suite where Chromium is missing (`.ci/run` installs it). */
export function skipWithoutChromium(suite: Mocha.Context): void {
  if (fs.existsSync(CHROMIUM)) return;
  console.warn(`    ${CHROMIUM} is missing: browser tests skipped (apt-get install chromium; .ci/run does)`);
  suite.skip();
}

/** A headless Chromium asking no host but the ones the pages name; Playwright gives each launch a fresh profile. */
export async function launchChromium(): Promise<Browser> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
