import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { adminApp, giveTheme, serveLocally } from './support/admin.js';
import { ARTIFACTS, launchChromium, signedInPage, skipWithoutChromium } from './support/browser.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { testPlatform, type TestPlatform } from './support/platform.js';
import { pluginDir } from './support/plugins.js';

const PASSWORD = 'a long enough test password';

/**
 * Where am I, and what will this change: in a client workspace that wears its agency's brand,
 * the top bar and the tab say which workspace this is; the sign-in page is the platform's own;
 * publishing what clients inherit, and reverting, ask first.
 */
describe(`where the admin says you are (${onServer ? 'server' : 'embedded'} database)`, function () {
  let t: TestDatabase;
  let p: TestPlatform;
  let server: Server;
  let base: string;
  let browser: Browser;
  let agencyId: string;

  before(async function () {
    skipWithoutChromium(this);
    t = await freshDatabase();
    p = testPlatform(t);
    agencyId = (await t.entities.workspaces.create({ slug: 'north', name: 'North Agency' })).id;
    await t.entities.workspaces.create({ slug: 'north-dental', name: 'Harbour Dental', parent: 'north' });
    await giveTheme(t, agencyId, { branding: { companyName: 'North Agency Brand' } });
    for (const [email, workspace] of [
      ['owner@north.test', 'north'],
      ['desk@dental.test', 'north-dental'],
    ]) {
      await t.entities.users.create({ email, password: PASSWORD });
      await t.entities.users.grant({ email, workspace, role: 'owner' });
    }
    ({ server, base } = await serveLocally(adminApp(t, p)));
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    server?.close();
    await t?.drop();
  });

  async function signIn(email: string): Promise<Page> {
    const page = await signedInPage(browser, base, email, PASSWORD);
    await page.waitForSelector('[data-css="workspace-bar"]', { timeout: 20_000 });
    return page;
  }

  it("signs in on the platform's own page, not AdminJS's", async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${base}/admin/login`);
    await page.waitForSelector('input[name=email]');
    const text = await page.locator('body').innerText();
    assert.doesNotMatch(text, /AdminJS/);
    assert.match(text, /Sign in/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'sign-in.png') });
  });

  it("names the client workspace in the top bar and the tab, though it wears its agency's brand", async () => {
    const page = await signIn('desk@dental.test');
    const bar = await page.locator('[data-css="workspace-bar"]').innerText();
    assert.match(bar, /Harbour Dental/);
    assert.equal(await page.locator('[data-css="workspace-bar"] a[aria-label="Switch workspace"]').count(), 1);
    assert.match(await page.locator('[data-css="sidebar"]').innerText(), /North Agency Brand/, 'the brand is the agency’s');
    await page.waitForFunction(() => document.title === 'Dashboard – Harbour Dental');
    await page.goto(`${base}/admin/resources/contacts`);
    await page.waitForFunction(() => document.title === 'Contacts – Harbour Dental');
    // Moving within the application (no page load) keeps the title in step.
    await page.locator('[data-css="sidebar"]').getByText('Event log', { exact: true }).click();
    await page.waitForFunction(() => document.title === 'Event log – Harbour Dental');
    assert.equal(new URL(page.url()).pathname, '/admin/pages/events');
    await page.screenshot({ path: path.join(ARTIFACTS, 'client-top-bar.png') });
    await page.setViewportSize({ width: 390, height: 800 });
    await page.goto(`${base}/admin`);
    await page.waitForSelector('[data-css="workspace-bar"]');
    const widths = await page.evaluate(() =>
      [...document.querySelectorAll('[data-css="workspace-bar"], [data-css="topbar"]')].map((e) => [
        e.scrollWidth,
        e.clientWidth,
      ]),
    );
    for (const [scroll, client] of widths) assert.ok(scroll <= client, `the top bar fits 390 px (${scroll} > ${client})`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'client-top-bar-390.png') });
  });

  it("shows a contact's emails and phones in the list as the values they are", async () => {
    const dental = await t.entities.workspaces.bySlug('north-dental');
    await t.entities.contacts.upsert(dental.id, {
      name: 'Mira Molar',
      emails: ['mira@molar.test', 'm.molar@work.test'],
      phones: ['+14155550100'],
      source: { module: 'plinth' },
    });
    const page = await signIn('desk@dental.test');
    await page.goto(`${base}/admin/resources/contacts`);
    await page.waitForSelector('text=Mira Molar');
    const row = await page.locator('tr', { hasText: 'Mira Molar' }).innerText();
    assert.match(row, /mira@molar\.test, m\.molar@work\.test/);
    assert.match(row, /\+14155550100/);
    assert.doesNotMatch(row, /Length/);
    assert.doesNotMatch(await page.locator('body').innerText(), /Javascript Error/, 'no list cell failed to render');
  });

  /** The agency's own layout of contacts, as stored. */
  const agencyLayout = async () =>
    (
      await t.db.unit({ role: 'connection' }, () =>
        t.db.rows<{ definition: { list?: string[] } }>(
          "SELECT definition FROM layout_definitions WHERE workspace_id = $1 AND resource = 'contacts'",
          [agencyId],
        ),
      )
    )[0]?.definition ?? null;

  it('asks before publishing a layout its client workspaces inherit, and before reverting it', async () => {
    const page = await signIn('owner@north.test');
    await page.goto(`${base}/admin/pages/layouts`);
    await page.waitForSelector('[data-testid="layout-publish"]');
    const asked: string[] = [];
    let accept = false;
    page.on('dialog', (dialog) => {
      asked.push(dialog.message());
      void (accept ? dialog.accept() : dialog.dismiss());
    });
    await page.click('[data-testid="layout-publish"]');
    await expectEventually(() => asked.length === 1);
    assert.match(asked[0], /Publishing the layout of Contacts changes 1 client workspace too/);
    assert.equal(await agencyLayout(), null, 'declined: nothing published');
    accept = true;
    await page.click('[data-testid="layout-publish"]');
    await expectEventually(async () => (await agencyLayout()) !== null);
    accept = false;
    await page.reload();
    await page.click('[data-testid="layout-revert"]');
    await expectEventually(() => asked.some((m) => /Revert Contacts to the inherited layout\?/.test(m)));
    assert.notEqual(await agencyLayout(), null, 'declined: the layout stays');
  });

  it('asks before disabling a module, and disables nothing when declined', async () => {
    await p.add(pluginDir('ledger'), 'ledger', ['north']);
    const enabled = async () =>
      (
        await t.db.unit({ role: 'connection' }, () =>
          t.db.rows<{ enabled: boolean }>(
            "SELECT enabled FROM module_installations WHERE module_id = 'ledger' AND workspace_id = $1",
            [agencyId],
          ),
        )
      )[0].enabled;
    const page = await signIn('owner@north.test');
    await page.goto(`${base}/admin/pages/marketplace`);
    await page.waitForSelector('[data-testid="disable-ledger"]');
    const asked: string[] = [];
    let accept = false;
    page.on('dialog', (dialog) => {
      asked.push(dialog.message());
      void (accept ? dialog.accept() : dialog.dismiss());
    });
    await page.click('[data-testid="disable-ledger"]');
    await expectEventually(() => asked.length === 1);
    assert.match(asked[0], /Disable Ledger in this workspace\? .*its data stays/);
    assert.equal(await enabled(), true, 'declined: still enabled');
    accept = true;
    await page.click('[data-testid="disable-ledger"]');
    await expectEventually(async () => (await enabled()) === false);
  });
});

async function expectEventually(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`not so within ${ms} ms: ${check.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
