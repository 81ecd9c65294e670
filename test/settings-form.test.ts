import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import path from 'node:path';
import { type Browser, type Locator, type Page } from 'playwright-core';
import { adminApp, serveLocally } from './support/admin.js';
import { ARTIFACTS, launchChromium, skipWithoutChromium } from './support/browser.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { subscribe } from './support/modules.js';
import { actor, testPlatform, type TestPlatform } from './support/platform.js';
import { pluginDir } from './support/plugins.js';

const PASSWORD = 'correct horse battery';
const OWNER = 'owner@firm.test';
/** Where screenshots go, as in the other browser tests: kept by CI as artifacts, ignored by git. */

const SETTINGS = {
  practiceAreas: [
    { name: 'Personal injury', keywords: ['accident', 'injury', 'whiplash'] },
    { name: 'Employment', keywords: ['fired', 'harassment'] },
    { name: 'Family law', keywords: ['divorce', 'custody'] },
  ],
  jurisdictions: ['California', 'Nevada'],
  rejectKeywords: ['job application'],
  weights: { practiceArea: 40, jurisdiction: 30 },
  threshold: 60,
};

/** Every kind of setting a schema may declare, as a vendor's module would. */
const ALMANAC_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    tone: { type: 'string', enum: ['formal', 'friendly'], description: 'How replies sound.' },
    digest: { type: 'boolean', title: 'Send a daily digest' },
    retries: { type: 'integer', minimum: 0, maximum: 5 },
    office: {
      type: 'object',
      properties: {
        city: { type: 'string' },
        hours: { type: 'object', properties: { opensAt: { type: 'string', pattern: '^\\d\\d:\\d\\d$' } } },
      },
    },
    aliases: { type: 'object', additionalProperties: { type: 'string' } },
    contacts: { type: 'array', items: { $ref: '#/$defs/contact' } },
  },
  $defs: {
    contact: {
      type: 'object',
      required: ['email'],
      properties: { email: { type: 'string', format: 'email' }, role: { type: 'string', enum: ['lead', 'backup'] } },
    },
  },
};
const ALMANAC_SETTINGS = {
  tone: 'friendly',
  digest: true,
  retries: 2,
  office: { city: 'Reno', hours: { opensAt: '09:00' } },
  aliases: { nv: 'Nevada' },
  contacts: [{ email: 'ada@firm.test', role: 'lead' }],
};

/**
 * Modules' settings in the marketplace page, in Chromium under the admin's CSP: a form rendered
 * from the settings schema (LogicLegal's lists of objects, lists of values and object of numbers;
 * every other kind in a vendor's module) that saves what it shows, asks before removing, and
 * says what is wrong beside the field.
 */
describe(`the settings form of a module (${onServer ? 'server' : 'embedded'} database)`, function () {
  let t: TestDatabase;
  let p: TestPlatform;
  let server: Server;
  let base: string;
  let browser: Browser;
  let firm: { id: string; slug: string };
  /** What the pages said on their consoles, and what they threw. */
  const consoleLines: string[] = [];
  const pageErrors: string[] = [];

  const stored = async () =>
    (await p.marketplace.lifecycle.installations(firm.id)).find((i) => i.moduleId === 'logiclegal')!.settings;

  before(async function () {
    skipWithoutChromium(this);
    t = await freshDatabase();
    p = testPlatform(t);
    firm = await t.entities.workspaces.create({ slug: 'firm', name: 'Alder & Finch' });
    await t.entities.users.create({ email: OWNER, password: PASSWORD });
    await t.entities.users.grant({ email: OWNER, workspace: firm.slug, role: 'owner' });
    await p.marketplace.registry.registerBundled();
    await p.marketplace.lifecycle.install('logiclegal', undefined, actor);
    await subscribe(t, firm.id, ['logiclegal']);
    await p.marketplace.lifecycle.enable('logiclegal', firm.slug, SETTINGS, actor);
    await p.add(
      pluginDir('almanac', (m) => {
        m.name = 'Almanac';
        m.settings = ALMANAC_SCHEMA;
      }),
      'almanac',
      [],
    );
    await p.marketplace.lifecycle.enable('almanac', firm.slug, ALMANAC_SETTINGS, actor);
    ({ server, base } = await serveLocally(adminApp(t, p)));
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    server?.close();
    await t?.drop();
  });

  /** The marketplace page of the firm's owner, with a module's settings open. */
  async function openSettings(width = 1440, module = 'logiclegal'): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    // Runs before the page's own scripts, outside its CSP: reports every refusal the CSP makes.
    await context.addInitScript(() =>
      document.addEventListener('securitypolicyviolation', (e) =>
        console.error(
          `CSP refused ${e.blockedURI} (${e.violatedDirective}) in ${e.sourceFile}:${e.lineNumber}:${e.columnNumber}`,
        ),
      ),
    );
    const page = await context.newPage();
    page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${base}/admin/login`);
    await page.fill('input[name=email]', OWNER);
    await page.fill('input[name=password]', PASSWORD);
    await Promise.all([page.waitForURL(`${base}/admin`), page.press('input[name=password]', 'Enter')]);
    await page.goto(`${base}/admin/pages/marketplace`);
    await page.click(`[data-testid=settings-toggle-${module}]`);
    await page.waitForSelector(`[data-testid=settings-${module}] form`);
    return page;
  }

  /** The whole form in one picture: the admin scrolls its content in a box of the window's height, so the window grows to hold it. */
  async function screenshot(page: Page, name: string, module = 'logiclegal') {
    const form = page.locator(`[data-testid=settings-${module}]`);
    const { height } = (await form.boundingBox())!;
    await page.setViewportSize({ width: page.viewportSize()!.width, height: Math.ceil(height) + 160 });
    await form.evaluate((el) => el.scrollIntoView({ block: 'end' }));
    await page.screenshot({ path: path.join(ARTIFACTS, name) });
  }

  /** The inputs without a label and the buttons without a name, in a form. */
  const unnamedControls = (form: Locator) =>
    form.evaluate((el) =>
      [...el.querySelectorAll('input, select, textarea, button')]
        .filter((c) => {
          const labelled = (c as HTMLInputElement).labels?.length || c.getAttribute('aria-label');
          return !labelled && !(c.tagName === 'BUTTON' && c.textContent?.trim());
        })
        .map((c) => c.outerHTML.slice(0, 120)),
    );

  const area = (page: Page, n: number) => page.getByRole('group', { name: `Practice area ${n}`, exact: true });
  const keywordsOf = (page: Page, n: number) =>
    area(page, n).getByRole('group', { name: 'Keywords', exact: true }).getByRole('textbox');
  const outcome = (page: Page) => page.locator('[data-testid=settings-outcome-logiclegal]');
  const save = (page: Page) => page.click('[data-testid=save-settings-logiclegal]');
  /** The settings as the studio API gives them to this page. */
  const listed = async (page: Page) =>
    ((await (await page.request.get(`${base}/admin/studio/api/marketplace`)).json()) as { id: string; settings: unknown }[]).find(
      (m) => m.id === 'logiclegal',
    )!.settings;

  it('shows the practice areas as a list of named areas, each with its keywords, every field and button named', async () => {
    const page = await openSettings();
    const form = page.locator('[data-testid=settings-logiclegal]');
    assert.doesNotMatch(await form.innerText(), /\[object Object\]/);
    for (const [i, { name, keywords }] of SETTINGS.practiceAreas.entries()) {
      assert.equal(
        await area(page, i + 1)
          .getByLabel('Name')
          .inputValue(),
        name,
      );
      const inputs = keywordsOf(page, i + 1);
      assert.deepEqual(await Promise.all((await inputs.all()).map((k) => k.inputValue())), keywords);
    }
    assert.equal(await page.getByRole('group', { name: 'Jurisdictions' }).getByRole('textbox').nth(1).inputValue(), 'Nevada');
    assert.equal(await page.getByRole('spinbutton', { name: 'Threshold' }).inputValue(), '60');
    assert.equal(await page.getByRole('group', { name: 'Weights' }).getByLabel('Practice area').inputValue(), '40');

    // In the order the manifest gives, not the stored jsonb's (which sorts keys by length).
    const headings = await form.locator('legend, label').allInnerTexts();
    const top = ['Practice areas', 'Jurisdictions', 'Keywords', 'Reject keywords', 'Weights', 'Threshold'];
    // Each top-level label after the one before it ("Keywords" also labels each area's list, inside "Practice areas").
    let at = -1;
    for (const label of [...top].reverse()) {
      let found = (at < 0 ? headings.length : at) - 1;
      while (found >= 0 && headings[found].replace(/\s*\*$/, '').trim() !== label) found--;
      assert.ok(found >= 0, `"${label}" before the labels after it, in ${headings.join(' | ')}`);
      at = found;
    }
    assert.equal(at, 0, 'Practice areas first');

    await page.getByRole('button', { name: 'Remove practice area 2', exact: true }).waitFor();
    await area(page, 1).getByRole('button', { name: 'Add keyword', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Add practice area', exact: true }).waitFor();
    assert.deepEqual(await unnamedControls(form), [], 'every input and button has a name');
    await screenshot(page, 'settings-form-desktop.png');
  });

  it('fits a 390 px screen without sideways scrolling: the module, its buttons and its settings', async () => {
    const page = await openSettings(390);
    const form = page.locator('[data-testid=settings-logiclegal]');
    // The admin scrolls its content in a box of its own, which would hide a sideways overflow from the page's width: each element is measured.
    const overflow = await page.locator('[data-testid=module-logiclegal]').evaluate((module) => ({
      page: document.documentElement.scrollWidth - window.innerWidth,
      outside: [...module.querySelectorAll('*')]
        .filter((c) => c.getBoundingClientRect().right > window.innerWidth + 0.5 || c.getBoundingClientRect().left < -0.5)
        .map((c) => c.outerHTML.slice(0, 100)),
    }));
    assert.deepEqual(overflow, { page: 0, outside: [] });
    await form.getByRole('button', { name: 'Add practice area' }).click();
    await screenshot(page, 'settings-form-390.png');
  });

  it('saves what it shows: a save without changes stores the same settings', async () => {
    const page = await openSettings();
    const before = await stored();
    assert.deepEqual(await listed(page), before);
    await save(page);
    await outcome(page).getByText("LogicLegal's settings are saved.").waitFor();
    assert.deepEqual(await stored(), before);
    assert.deepEqual(await listed(page), before);
  });

  it('stores an edited keyword', async () => {
    const page = await openSettings();
    await keywordsOf(page, 2).nth(1).fill('wrongful dismissal');
    await save(page);
    await outcome(page).getByText("LogicLegal's settings are saved.").waitFor();
    const expected = structuredClone(SETTINGS);
    expected.practiceAreas[1].keywords[1] = 'wrongful dismissal';
    assert.deepEqual(await stored(), expected);
  });

  it('shows an empty area name as a problem beside that field, and writes nothing', async () => {
    const page = await openSettings();
    const before = await stored();
    let sent = 0;
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().includes('/marketplace/')) sent++;
    });
    const name = area(page, 2).getByLabel('Name');
    await name.fill('');
    await save(page);
    const error = page.locator(`#${await name.getAttribute('id')}__error`);
    await error.waitFor();
    assert.equal(await error.innerText(), 'is required');
    assert.equal(await name.getAttribute('aria-invalid'), 'true');
    assert.match(await outcome(page).innerText(), /Not saved: one problem[\s\S]*Practice area 2 › Name: is required/);
    assert.equal(sent, 0, 'the page did not send settings it found wrong');
    assert.deepEqual(await stored(), before);
    await screenshot(page, 'settings-form-invalid.png');
    // Once refused, the form checks as the person types: the problem goes when it is fixed.
    await name.fill('Employment');
    await error.waitFor({ state: 'detached' });
  });

  it("shows the server's refusal beside the field it names and beside the Save button, and writes nothing", async () => {
    const page = await openSettings();
    const before = await stored();
    // What the page checks, the server checks again: a request changed on its way is refused there.
    await page.route('**/studio/api/marketplace/logiclegal/enable', (route) => {
      const body = route.request().postDataJSON() as { settings: typeof SETTINGS };
      body.settings.practiceAreas[0].keywords[0] = 'x';
      return route.continue({ postData: JSON.stringify(body) });
    });
    await save(page);
    const refusal = 'settings/practiceAreas/0/keywords/0: must NOT have fewer than 2 characters';
    await outcome(page).getByText(`Not saved: ${refusal}`).waitFor();
    const keyword = keywordsOf(page, 1).first();
    const error = page.locator(`#${await keyword.getAttribute('id')}__error`);
    assert.equal(await error.innerText(), 'must NOT have fewer than 2 characters');
    assert.deepEqual(await stored(), before);
  });

  it('asks before a save that removes entries: cancelled, nothing is saved; agreed, they are gone', async () => {
    const page = await openSettings();
    const before = await stored();
    const asked: string[] = [];
    page.on('dialog', (dialog) => {
      asked.push(dialog.message());
      void (asked.length < 3 ? dialog.dismiss() : dialog.accept());
    });
    await area(page, 2).getByRole('button', { name: 'Remove keyword 1', exact: true }).click();
    await save(page);
    await outcome(page).getByText('Nothing was saved.').waitFor();
    assert.deepEqual(asked, ['This removes 1 keyword from practice area 2. Save anyway?']);

    for (const n of [3, 2, 1]) await page.getByRole('button', { name: `Remove practice area ${n}`, exact: true }).click();
    assert.equal(await page.getByRole('group', { name: /^Practice area \d/ }).count(), 0);
    await outcome(page).getByText('Nothing was saved.').waitFor({ state: 'detached' });
    await save(page);
    await outcome(page).getByText('Nothing was saved.').waitFor();
    assert.deepEqual(asked.slice(1), ['This removes 3 practice areas. Save anyway?']);
    assert.deepEqual(await stored(), before);

    await save(page);
    await outcome(page).getByText("LogicLegal's settings are saved.").waitFor();
    const { practiceAreas, ...rest } = before as typeof SETTINGS;
    assert.equal(practiceAreas.length, 3);
    assert.equal(asked.length, 3, 'asked again, and this time the person agreed');
    assert.deepEqual(await stored(), { ...rest, practiceAreas: [] });
  });

  it('renders every kind of setting: choices as a select, switches, numbers, nested objects, maps, lists of $ref objects', async () => {
    const page = await openSettings(1440, 'almanac');
    const form = page.locator('[data-testid=settings-almanac]');
    assert.equal(await form.getByLabel('Tone').evaluate((e) => e.tagName), 'SELECT');
    assert.equal(await form.getByLabel('Tone').evaluate((e) => (e as HTMLSelectElement).selectedOptions[0].text), 'friendly');
    assert.equal(await form.getByLabel('Send a daily digest').isChecked(), true);
    assert.equal(await form.getByRole('spinbutton', { name: 'Retries' }).inputValue(), '2');
    const hours = form.getByRole('group', { name: 'Office' }).getByRole('group', { name: 'Hours' });
    assert.equal(await hours.getByLabel('Opens at').inputValue(), '09:00');
    assert.equal(await form.getByRole('group', { name: 'Aliases' }).getByRole('textbox').last().inputValue(), 'Nevada');
    assert.equal(await form.getByRole('group', { name: 'Contact 1' }).getByLabel('Email').inputValue(), 'ada@firm.test');
    assert.deepEqual(await unnamedControls(form), []);
    await screenshot(page, 'settings-form-every-kind.png', 'almanac');

    await form.getByRole('group', { name: 'Contact 1' }).getByLabel('Email').fill('not an address');
    await page.click('[data-testid=save-settings-almanac]');
    await form.getByText('must be a valid email', { exact: true }).waitFor();
    await form.getByRole('group', { name: 'Contact 1' }).getByLabel('Email').fill('ada@firm.test');
    await page.click('[data-testid=save-settings-almanac]');
    await page.locator('[data-testid=settings-outcome-almanac]').getByText("Almanac's settings are saved.").waitFor();
    const installation = (await p.marketplace.lifecycle.installations(firm.id)).find((i) => i.moduleId === 'almanac')!;
    assert.deepEqual(installation.settings, ALMANAC_SETTINGS);
  });

  it('ran under the CSP: the settings form needed no eval, and no page failed', async () => {
    // The watch itself works: a picture from another host is refused, and the refusal reported.
    const page = await openSettings();
    await page.evaluate(() => document.body.append(Object.assign(new Image(), { src: 'https://blocked.invalid/x.png' })));
    for (let i = 0; i < 50 && !consoleLines.some((l) => l.startsWith('error: CSP refused https://blocked.invalid')); i++)
      await page.waitForTimeout(100);
    const refusals = consoleLines.filter((line) => line.startsWith('error: CSP refused'));
    // AdminJS's design-system bundle (not the settings form) tries `new Function("return this")` for the global object, and uses `window` when refused.
    const adminJsShim = /^error: CSP refused eval \(script-src\) in \S+\/design-system\.bundle\.js:/;
    assert.deepEqual(
      refusals.filter((line) => !adminJsShim.test(line)),
      ['error: CSP refused https://blocked.invalid/x.png (img-src) in :0:0'],
    );
    assert.deepEqual(pageErrors, []);
  });
});
