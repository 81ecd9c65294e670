import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { AdminClient, adminApp, serveLocally } from './support/admin.js';
import { ARTIFACTS, launchChromium, signedInPage, skipWithoutChromium } from './support/browser.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { testPlatform } from './support/platform.js';

const PASSWORD = 'a long enough test password';

/**
 * The dashboard as a practice manager reads it: charts with a date axis and a count axis, a big
 * number that is big, and widgets an owner chooses and orders, which client workspaces inherit.
 * And the studio pages' notices, which show where the person is looking.
 */
describe(`the dashboard (${onServer ? 'server' : 'embedded'} database)`, function () {
  let t: TestDatabase;
  let server: Server;
  let base: string;

  before(async () => {
    t = await freshDatabase();
    const p = testPlatform(t);
    const agency = await t.entities.workspaces.create({ slug: 'north', name: 'North Agency' });
    await t.entities.workspaces.create({ slug: 'north-dental', name: 'Harbour Dental', parent: 'north' });
    for (const [email, workspace, role] of [
      ['owner@north.test', 'north', 'owner'],
      ['member@north.test', 'north', 'member'],
      ['desk@dental.test', 'north-dental', 'owner'],
    ] as const) {
      await t.entities.users.create({ email, password: PASSWORD });
      await t.entities.users.grant({ email, workspace, role });
    }
    for (const name of ['Ada Park', 'Ben Okafor'])
      await t.entities.contacts.upsert(agency.id, {
        name,
        emails: [`${name.split(' ')[0].toLowerCase()}@north.test`],
        source: { module: 'plinth' },
      });
    ({ server, base } = await serveLocally(adminApp(t, p)));
  });
  after(async () => {
    server?.close();
    await t?.drop();
  });

  const arrangements = () =>
    t.db.unit({ role: 'connection' }, () =>
      t.db.rows<{ definition: unknown }>("SELECT definition FROM layout_definitions WHERE resource = 'dashboard'"),
    );

  describe('arranging through the API', () => {
    let owner: AdminClient;
    let member: AdminClient;
    before(async () => {
      owner = new AdminClient(base);
      member = new AdminClient(base);
      assert.equal((await owner.post('/admin/login', { email: 'owner@north.test', password: PASSWORD })).status, 303);
      assert.equal((await member.post('/admin/login', { email: 'member@north.test', password: PASSWORD })).status, 303);
    });

    it('offers a member no choices and refuses their arrangement', async () => {
      const seen = await member.json('/admin/studio/api/dashboard');
      assert.equal(seen.status, 200);
      assert.equal(seen.body.choices, undefined);
      const put = await member.send('PUT', '/admin/studio/api/dashboard', { widgets: [] });
      assert.equal(put.status, 403);
      assert.deepEqual(await arrangements(), []);
    });

    it('refuses an unknown kind or a resource that is no screen here, naming where, and writes nothing', async () => {
      const kind = await owner.send('PUT', '/admin/studio/api/dashboard', { widgets: [{ kind: 'pie', title: 'Pie' }] });
      assert.equal(kind.status, 400);
      assert.match(kind.body.error, /\/dashboard\/0\/kind/);
      const resource = await owner.send('PUT', '/admin/studio/api/dashboard', {
        widgets: [
          { kind: 'count', title: 'Contacts', resource: 'contacts' },
          { kind: 'recent', title: 'Invoices', resource: 'billing.invoices' },
        ],
      });
      assert.equal(resource.status, 400);
      assert.match(resource.body.error, /\/dashboard\/1\/resource: "billing.invoices" is not a screen of this workspace/);
      assert.equal((await owner.send('PUT', '/admin/studio/api/dashboard', { widgets: 'all' })).status, 400);
      assert.deepEqual(await arrangements(), []);
    });
  });

  describe('in Chromium', function () {
    let browser: Browser;
    before(async function () {
      skipWithoutChromium(this);
      browser = await launchChromium();
    });
    after(async () => browser?.close());

    async function signIn(email: string): Promise<Page> {
      const page = await signedInPage(browser, base, email, PASSWORD);
      await page.getByTestId('workspace').waitFor({ timeout: 20_000 });
      return page;
    }
    const titles = (page: Page) => page.locator('[data-testid^="widget-"] h3').allInnerTexts();

    it('draws per-day charts with a date axis and a count axis, and a big number in large type', async () => {
      const page = await signIn('owner@north.test');
      const chart = page.getByTestId('day-chart').first();
      await chart.locator('.recharts-xAxis .recharts-cartesian-axis-tick-value').first().waitFor({ timeout: 20_000 });
      const dates = await chart.locator('.recharts-xAxis .recharts-cartesian-axis-tick-value').allTextContents();
      assert.ok(dates.length >= 3, dates.join(' | '));
      assert.ok(
        dates.every((d) => /^(\d{1,2} [A-Z][a-z]{2}|[A-Z][a-z]{2} \d{1,2})$/.test(d)),
        dates.join(' | '),
      );
      const counts = await chart.locator('.recharts-yAxis .recharts-cartesian-axis-tick-value').allTextContents();
      assert.ok(counts.length >= 2 && counts.every((c) => /^\d+$/.test(c)), counts.join(' | '));
      const big = page.getByTestId('big-number').first();
      assert.equal(await big.innerText(), '2');
      const size = await big.evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
      assert.ok(size >= 32, `the big number is ${size}px`);
      await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-axes.png') });
    });

    it('lets an owner remove, add and order widgets, which stick and reach the client workspace', async () => {
      const page = await signIn('owner@north.test');
      assert.deepEqual(await titles(page), ['Contacts', 'Events per day', 'Newest contacts']);
      await page.getByTestId('arrange-dashboard').click();
      const arranger = page.getByTestId('dashboard-arranger');
      await arranger.getByRole('button', { name: 'Remove Events per day' }).click();
      await arranger.getByLabel('Add a widget').selectOption({ label: 'Newest: Contacts (newest rows)' });
      await arranger.getByTestId('add-widget').click();
      await arranger.getByRole('button', { name: 'Move Newest contacts up' }).click();
      assert.deepEqual(
        await arranger
          .getByTestId('arranged-widget')
          .allInnerTexts()
          .then((l) => l.map((x) => x.split(' (')[0])),
        ['Newest contacts', 'Contacts', 'Newest: Contacts'],
      );
      await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-arranger.png') });
      await arranger.getByTestId('save-dashboard').click();
      await arranger.waitFor({ state: 'detached' });
      await page.reload();
      await page.getByTestId('workspace').waitFor();
      assert.deepEqual(await titles(page), ['Newest contacts', 'Contacts', 'Newest: Contacts']);

      const client = await signIn('desk@dental.test');
      assert.deepEqual(await titles(client), ['Newest contacts', 'Contacts', 'Newest: Contacts']);
      await client.getByTestId('arrange-dashboard').click();
      await client.getByText('shows the arrangement of the workspace it belongs to').waitFor();
    });

    it("shows a page's notice in the window beside the button that caused it, not at the top of a long page", async () => {
      for (const width of [1366, 390]) {
        const page = await signIn('owner@north.test');
        await page.setViewportSize({ width, height: 700 });
        // North has a client workspace: publishing asks first.
        page.on('dialog', (dialog) => void dialog.accept());
        await page.goto(`${base}/admin/pages/layouts`);
        // The preview shows values as the list does: a list's values, an object's fields.
        await page.getByTestId('layout-preview').getByText('ada@north.test').waitFor({ timeout: 20_000 });
        const preview = await page.getByTestId('layout-preview').innerText();
        assert.match(preview, /ada@north\.test/);
        assert.doesNotMatch(preview, /\[object Object\]/);
        const publish = page.getByTestId('layout-publish');
        await publish.scrollIntoViewIfNeeded({ timeout: 20_000 });
        await publish.click();
        const notice = page.getByTestId('notice');
        await notice.waitFor();
        assert.match(await notice.innerText(), /Published/);
        const box = (await notice.boundingBox())!;
        assert.ok(
          box.y >= 0 && box.y + box.height <= 700,
          `the notice is within the window at ${width} px: ${JSON.stringify(box)}`,
        );
        assert.ok(box.x >= 0 && box.x + box.width <= width, `and fits its width: ${JSON.stringify(box)}`);
        await page.screenshot({ path: path.join(ARTIFACTS, `notice-${width}.png`) });
      }
    });

    it('goes back to the default widgets after asking', async () => {
      const page = await signIn('owner@north.test');
      await page.getByTestId('arrange-dashboard').click();
      page.once('dialog', (dialog) => void dialog.accept());
      await page.getByTestId('reset-dashboard').click();
      await page.getByTestId('dashboard-arranger').waitFor({ state: 'detached' });
      await page.reload();
      await page.getByTestId('workspace').waitFor();
      assert.deepEqual(await titles(page), ['Contacts', 'Events per day', 'Newest contacts']);
      assert.deepEqual(await arrangements(), []);
    });
  });
});
