import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM } from './chromium.js';

/** Where screenshots go: kept by CI as artifacts, ignored by git. */
export const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/screenshots/', import.meta.url));

/**
 * Skips the suite where Chromium is missing (`.ci/run` installs it). Where it is installed, a
 * browser test skipped for any reason fails the run (see the root hook in shared.ts).
 */
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

/**
 * A fresh browser context signed in to the admin at `base` through its sign-in form; the page
 * once it has landed on `landing` (the dashboard, unless the user must first pick a workspace).
 */
export async function signedInPage(
  browser: Browser,
  base: string,
  email: string,
  password: string,
  { width = 1366, height = 900, landing = `${base}/admin` as string | RegExp } = {},
): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width, height } })).newPage();
  await page.goto(`${base}/admin/login`);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL(landing), page.press('input[name=password]', 'Enter')]);
  return page;
}
