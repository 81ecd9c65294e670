import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { adminApp, serveLocally } from './support/admin.js';
import { launchChromium, signedInPage, skipWithoutChromium } from './support/browser.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { testPlatform } from './support/platform.js';

const PASSWORD = 'a long enough test password';

/** The admin's import as an owner uses it in Chromium: upload, map, dry run, import, download the outcomes. */
describe(`the admin's CSV import in Chromium (${onServer ? 'server' : 'embedded'} database)`, function () {
  let t: TestDatabase;
  let server: Server;
  let base: string;
  let browser: Browser;

  before(async function () {
    skipWithoutChromium(this);
    t = await freshDatabase();
    await t.entities.workspaces.create({ slug: 'desk', name: 'Desk' });
    await t.entities.users.create({ email: 'owner@desk.test', password: PASSWORD });
    await t.entities.users.grant({ email: 'owner@desk.test', workspace: 'desk', role: 'owner' });
    ({ server, base } = await serveLocally(adminApp(t, testPlatform(t))));
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    server?.close();
    await t?.drop();
  });

  it('uploads, maps, dry-runs, imports and downloads each row’s outcome', async () => {
    const page = await signedInPage(browser, base, 'owner@desk.test', PASSWORD);
    // Reached from the dashboard, where owners and admins find the workspace's data pages.
    await page.goto(`${base}/admin`);
    await Promise.all([page.waitForURL(/\/admin\/imports$/), page.click('a:has-text("Import from CSV")')]);
    await page.setInputFiles('#file', {
      name: 'people.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('Who,Mail\nAda,ada@example.test\nAda again,ADA@example.test\nNo one,\n'),
    });
    await Promise.all([page.waitForURL(/\/admin\/imports\/new\//), page.click('text=Upload and map columns')]);
    // Neither header names a field: map them by hand.
    await page.selectOption('#c0', 'name');
    await page.selectOption('#c1', 'emails');
    await Promise.all([page.waitForLoadState('load'), page.click('text=Preview with this mapping')]);
    assert.match(await page.locator('table').nth(1).innerText(), /Ada\s+ada@example\.test/);
    await Promise.all([page.waitForURL(/dry-run$/), page.click('text=Dry run: what each row would become')]);
    assert.equal(await page.locator('[role=status]').innerText(), '1 created, 1 merged, 1 refused.');
    await Promise.all([page.waitForURL(/\/admin\/imports\/[0-9a-f-]{36}$/), page.click('button:text-is("Import")')]);
    await page.waitForSelector('text=3 of 3: done');
    assert.equal(await page.locator('[role=status]').innerText(), '1 created, 1 merged, 1 refused.');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('text=Download each row')]);
    const csv = fs.readFileSync(await download.path(), 'utf8');
    assert.match(
      csv,
      /^row,outcome,record,first_row,column,reason\n1,created,[0-9a-f-]{36},1,,\n2,merged,[0-9a-f-]{36},1,,\n3,refused,/,
    );
  });
});
