import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { adminApp, giveTheme, serveLocally } from './support/admin.js';
import { ARTIFACTS, launchChromium, skipWithoutChromium } from './support/browser.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { testPlatform, type TestPlatform } from './support/platform.js';
import { pluginDir } from './support/plugins.js';

const PASSWORD = 'correct horse battery';

/**
 * The admin in a real browser: Debian's Chromium driven by playwright-core (never a downloaded
 * browser). `.ci/run` installs Chromium where it is missing; without it these tests are skipped.
 */
describe(`the admin in a browser (${onServer ? 'server' : 'embedded'} database)`, function () {
  let t: TestDatabase;
  let p: TestPlatform;
  let server: Server;
  let base: string;
  let browser: Browser;
  let a: { id: string; slug: string };
  let contactA: string;
  /** Every host the pages asked for, besides this server. */
  const foreign = new Set<string>();

  before(async function () {
    skipWithoutChromium(this);
    t = await freshDatabase();
    p = testPlatform(t);
    a = await t.entities.workspaces.create({ slug: 'web-a', name: 'Alpha' });
    const b = await t.entities.workspaces.create({ slug: 'web-b', name: 'Beta' });
    for (const [email, ws, company, primary] of [
      ['owner@web-a.test', a, 'Alpha Agency', '#0b6e4f'],
      ['owner@web-b.test', b, 'Beta Brokers', '#8a1c7c'],
    ] as const) {
      await t.entities.users.create({ email, password: PASSWORD });
      await t.entities.users.grant({ email, workspace: ws.slug, role: 'owner' });
      await giveTheme(t, ws.id, { branding: { companyName: company }, colors: { primary100: primary } });
    }
    await p.add(
      pluginDir('ledger', (m) => {
        m.name = 'Ledger Book';
        m.screens[0].dashboard = [
          { kind: 'count', title: 'Contacts', resource: 'contacts' },
          {
            kind: 'per_day',
            title: 'Activity',
            series: [
              { label: 'Notes', events: ['ledger.note_added'] },
              { label: 'Modules enabled', events: ['plinth.module_enabled'] },
            ],
          },
        ];
      }),
      'ledger',
      [a.slug],
    );
    await p.add(
      pluginDir('roster', (m) => (m.name = 'Roster Board')),
      'roster',
      [b.slug],
    );
    await p.add(
      pluginDir('tally', (m) => (m.name = 'Tally Sheet')),
      'tally',
      [],
    );
    contactA = (
      await t.entities.contacts.upsert(a.id, { name: 'Ada Alpha', emails: ['ada@web-a.test'], source: { module: 'plinth' } })
    ).contact.id;
    await p.runtime.run('ledger', { workspaceId: a.id }, async (ctx) => {
      const row = await ctx.models.notes.create({ title: 'first entry', body: 'hello', contact_id: contactA });
      await ctx.events.emit(
        'ledger.note_added',
        { noteId: String(row.get('id')), title: 'first entry' },
        { contactId: contactA },
      );
    });

    ({ server, base } = await serveLocally(adminApp(t, p)));
    // Playwright gives every launch a fresh, empty user-data dir of its own.
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    server?.close();
    await t?.drop();
  });

  async function signIn(email: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    page.on('request', (req) => {
      const url = new URL(req.url());
      if (url.origin !== base && url.protocol !== 'data:') foreign.add(url.host);
    });
    await page.goto(`${base}/admin`);
    await page.waitForURL(/\/admin\/login$/);
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', PASSWORD);
    await Promise.all([page.waitForURL(`${base}/admin`), page.press('input[name=password]', 'Enter')]);
    await page.waitForSelector('[data-css="sidebar"]', { timeout: 20_000 });
    return page;
  }

  it("shows each workspace's owner its own branding and its own modules' menus", async () => {
    const alpha = await signIn('owner@web-a.test');
    assert.match(await alpha.locator('[data-css="sidebar"]').innerText(), /^Alpha Agency/, 'its brand');
    await alpha.waitForFunction(() => document.title === 'Dashboard – Alpha');
    const alphaMenu = await alpha.locator('[data-css="sidebar"]').innerText();
    assert.match(alphaMenu, /Ledger Book/);
    assert.match(alphaMenu, /Marketplace[\s\S]*Layout editor[\s\S]*Theme editor[\s\S]*Event log/);
    assert.doesNotMatch(alphaMenu, /Roster Board/);
    await alpha.screenshot({ path: path.join(ARTIFACTS, 'alpha-dashboard.png') });

    const beta = await signIn('owner@web-b.test');
    assert.match(await beta.locator('[data-css="sidebar"]').innerText(), /^Beta Brokers/, 'its brand');
    await beta.waitForFunction(() => document.title === 'Dashboard – Beta');
    const betaMenu = await beta.locator('[data-css="sidebar"]').innerText();
    assert.match(betaMenu, /Roster Board/);
    assert.doesNotMatch(betaMenu, /Ledger Book/);
    await beta.screenshot({ path: path.join(ARTIFACTS, 'beta-dashboard.png') });
  });

  it('changes the list columns in the layout editor: the list shows them after a reload, with no restart', async () => {
    const page = await signIn('owner@web-a.test');
    const headers = async () => {
      await page.waitForSelector('table tbody tr');
      return (await page.locator('table thead td').allTextContents()).map((h) => h.trim()).filter(Boolean);
    };
    await page.goto(`${base}/admin/resources/ledger.notes`);
    const before = await headers();
    assert.ok(before.some((h) => /contact/i.test(h)) && !before.some((h) => /body/i.test(h)), before.join(' | '));

    await page.goto(`${base}/admin/pages/layouts`);
    await page.selectOption('[data-testid=layout-resource]', 'ledger.notes');
    await page.click('[data-testid=layout-screen-list]');
    await page.click('[data-testid=remove-contact_id]');
    await page.click('[data-testid=add-body]');
    await page.fill('[data-testid=label-title]', 'Entry');
    await page.waitForSelector('[data-testid=layout-preview] >> text=Entry');
    await page.screenshot({ path: path.join(ARTIFACTS, 'alpha-layout-editor.png') });
    await page.click('[data-testid=layout-publish]');
    await page.waitForSelector('text=Published: Notes shows it from the next page load.');

    await page.goto(`${base}/admin/resources/ledger.notes`);
    const after = await headers();
    assert.ok(after.includes('Entry'), after.join(' | '));
    assert.ok(
      after.some((h) => /body/i.test(h)),
      after.join(' | '),
    );
    assert.ok(!after.some((h) => /contact/i.test(h)), after.join(' | '));
    await page.screenshot({ path: path.join(ARTIFACTS, 'alpha-ledger-list.png') });
  });

  it('refuses a layout the server finds wrong, and says why on the page', async () => {
    const page = await signIn('owner@web-a.test');
    await page.goto(`${base}/admin/pages/layouts`);
    await page.selectOption('[data-testid=layout-resource]', 'ledger.notes');
    await page.click('[data-testid=layout-screen-list]');
    await page.fill('[data-testid=label-title]', 'x'.repeat(81));
    await page.click('[data-testid=layout-publish]');
    await page.waitForSelector('text=/labels\\/title: must NOT have more than 80 characters/');
  });

  it('enables a module in the marketplace page, and its screens show after a reload', async () => {
    const page = await signIn('owner@web-a.test');
    assert.doesNotMatch(await page.locator('[data-css="sidebar"]').innerText(), /Tally Sheet/);
    await page.goto(`${base}/admin/pages/marketplace`);
    await page.waitForSelector('[data-testid=module-tally]');
    assert.match(await page.locator('[data-testid=module-tally]').innerText(), /unsigned/);
    await page.click('[data-testid=enable-tally]');
    await page.waitForSelector('text=Tally Sheet is enabled here');
    await page.screenshot({ path: path.join(ARTIFACTS, 'alpha-marketplace.png') });
    await page.reload();
    await page.waitForSelector('[data-css="sidebar"]');
    assert.match(await page.locator('[data-css="sidebar"]').innerText(), /Tally Sheet/);
    await page.goto(`${base}/admin/resources/tally.notes`);
    await page.waitForSelector('text=/No records|Create first record|no records/i');
  });

  it('publishes a theme in the theme editor: the new branding shows after a reload', async () => {
    const page = await signIn('owner@web-a.test');
    await page.goto(`${base}/admin/pages/theme`);
    await page.fill('[data-testid=theme-company]', 'Alpha Atelier');
    await page.waitForSelector('[data-testid=theme-preview] >> text=Alpha Atelier');
    await page.click('[data-testid=theme-publish]');
    await page.waitForSelector('text=Published: reload the page');
    await page.reload();
    await page.waitForSelector('[data-css="sidebar"]');
    assert.match(await page.locator('[data-css="sidebar"]').innerText(), /^Alpha Atelier/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'alpha-theme-editor.png') });
  });

  it("shows the dashboard's widgets, the event log and a contact's timeline", async () => {
    const page = await signIn('owner@web-a.test');
    await page.waitForSelector('[data-testid=widget-count]');
    assert.match(await page.locator('[data-testid=widget-count]').innerText(), /Contacts\s+1/);
    const totals = await page.locator('[data-testid=series-total]').allInnerTexts();
    assert.equal(totals.length, 2, totals.join(' | '));
    assert.match(totals[0], /Notes: [1-9]/);
    assert.match(totals[1], /Modules enabled: [1-9]/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'alpha-dashboard-series.png') });
    await page.goto(`${base}/admin/pages/events`);
    await page.waitForSelector('[data-testid=events] >> text=ledger.note_added');
    await page.screenshot({ path: path.join(ARTIFACTS, 'alpha-event-log.png') });
    await page.goto(`${base}/admin/resources/contacts/records/${contactA}/timeline`);
    await page.waitForSelector('[data-testid=timeline-event]');
    assert.match(await page.locator('[data-testid=timeline]').innerText(), /Contact created[\s\S]*ledger\.note_added/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'alpha-contact-timeline.png') });
  });

  it("signs out from the top bar: its link only asks, and the page's button signs out", async () => {
    const page = await signIn('owner@web-a.test');
    await Promise.all([page.waitForURL(`${base}/admin/logout`), page.click('[data-css="workspace-bar"] >> text=Sign out')]);
    // Asked, not signed out: the admin still opens.
    await page.goto(`${base}/admin`);
    await page.waitForSelector('[data-css="sidebar"]', { timeout: 20_000 });
    await page.goto(`${base}/admin/logout`);
    await Promise.all([page.waitForURL(`${base}/admin/login`), page.click('button[type=submit]')]);
    await page.goto(`${base}/admin`);
    await page.waitForURL(`${base}/admin/login`);
  });

  it('asked no host but this server for anything', () => {
    assert.deepEqual([...foreign], []);
  });
});
