import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { adminApp, giveTheme, serveLocally } from './support/admin.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { testPlatform, type TestPlatform } from './support/platform.js';
import { pluginDir } from './support/plugins.js';

const CHROMIUM = '/usr/bin/chromium';
const PASSWORD = 'correct horse battery';
/** Where screenshots go: kept by CI as artifacts, ignored by git. */
export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/screenshots/', import.meta.url));

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
  /** Every host the pages asked for, besides this server. */
  const foreign = new Set<string>();

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) {
      console.warn(`    ${CHROMIUM} is missing: browser tests skipped (apt-get install chromium; .ci/run does)`);
      this.skip();
    }
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
      pluginDir('ledger', (m) => (m.name = 'Ledger Book')),
      'ledger',
      [a.slug],
    );
    await p.add(
      pluginDir('roster', (m) => (m.name = 'Roster Board')),
      'roster',
      [b.slug],
    );
    await p.runtime.run('ledger', { workspaceId: a.id }, (ctx) =>
      ctx.models.notes.create({ title: 'first entry', body: 'hello' }),
    );

    ({ server, base } = await serveLocally(adminApp(t, p)));
    // Playwright gives every launch a fresh, empty user-data dir of its own.
    browser = await chromium.launch({
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
    fs.mkdirSync(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    server?.close();
    await t?.drop();
  });

  async function signIn(email: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
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
    assert.equal(await alpha.title(), 'Alpha Agency');
    const alphaMenu = await alpha.locator('[data-css="sidebar"]').innerText();
    assert.match(alphaMenu, /Ledger Book/);
    assert.doesNotMatch(alphaMenu, /Roster Board/);
    await alpha.screenshot({ path: path.join(ARTIFACTS, 'alpha-dashboard.png') });

    const beta = await signIn('owner@web-b.test');
    assert.equal(await beta.title(), 'Beta Brokers');
    const betaMenu = await beta.locator('[data-css="sidebar"]').innerText();
    assert.match(betaMenu, /Roster Board/);
    assert.doesNotMatch(betaMenu, /Ledger Book/);
    await beta.screenshot({ path: path.join(ARTIFACTS, 'beta-dashboard.png') });
  });

  it('shows the list columns a layout record names, after a reload, with no restart', async () => {
    const page = await signIn('owner@web-a.test');
    const headers = async () => {
      await page.waitForSelector('table tbody tr');
      return (await page.locator('table thead td').allTextContents()).map((h) => h.trim()).filter(Boolean);
    };
    await page.goto(`${base}/admin/resources/ledger.notes`);
    const before = await headers();
    assert.ok(
      before.some((h) => /body/i.test(h)),
      before.join(' | '),
    );
    await t.db.app(a.id, () =>
      t.db.exec(
        `INSERT INTO layout_definitions (workspace_id, module_id, resource, definition) VALUES ($1, 'ledger', 'ledger.notes', $2)`,
        [a.id, JSON.stringify({ resource: 'ledger.notes', list: ['title'], labels: { title: 'Entry' } })],
      ),
    );
    await page.reload();
    const after = await headers();
    assert.ok(after.includes('Entry'), after.join(' | '));
    assert.ok(!after.some((h) => /body/i.test(h)), after.join(' | '));
    await page.screenshot({ path: path.join(ARTIFACTS, 'alpha-ledger-list.png') });
  });

  it('asked no host but this server for anything', () => {
    assert.deepEqual([...foreign], []);
  });
});
