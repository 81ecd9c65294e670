import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { adminApp, serveLocally } from './support/admin.js';
import { ARTIFACTS, launchChromium, skipWithoutChromium } from './support/browser.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { subscribe } from './support/modules.js';
import { actor, testPlatform, type TestPlatform } from './support/platform.js';

const PASSWORD = 'a long enough test password';
const OWNER = 'owner@firm.test';
const WIDTHS = [1366, 390] as const;

/**
 * The admin for people who use a keyboard, a screen reader or a phone: axe-core finds nothing
 * critical or serious on any page, the keyboard reaches the menu, the list's filter, a row's
 * actions and sign-out with a focus one can see (and never a control of the closed filter
 * drawer), and at 1366 and 390 px no page scrolls sideways.
 */
describe(`the admin's accessibility (${onServer ? 'server' : 'embedded'} database)`, function () {
  let t: TestDatabase;
  let p: TestPlatform;
  let server: Server;
  let base: string;
  let browser: Browser;
  let contactId: string;

  before(async function () {
    skipWithoutChromium(this);
    t = await freshDatabase();
    p = testPlatform(t);
    const firm = await t.entities.workspaces.create({ slug: 'firm', name: 'Alder & Finch' });
    await t.entities.workspaces.create({ slug: 'other', name: 'Other Firm' });
    await t.entities.users.create({ email: OWNER, password: PASSWORD });
    // Two memberships: the workspace chooser is a page this owner sees.
    await t.entities.users.grant({ email: OWNER, workspace: 'firm', role: 'owner' });
    await t.entities.users.grant({ email: OWNER, workspace: 'other', role: 'member' });
    await p.marketplace.registry.registerBundled();
    await p.marketplace.lifecycle.install('logiclegal', undefined, actor);
    await p.marketplace.lifecycle.install('contact-forms', undefined, actor);
    await subscribe(t, firm.id, ['logiclegal', 'contact-forms']);
    await p.marketplace.lifecycle.enable('logiclegal', 'firm', undefined, actor);
    await p.marketplace.lifecycle.enable('contact-forms', 'firm', undefined, actor);
    for (let i = 0; i < 12; i++) {
      const { contact } = await t.entities.contacts.upsert(firm.id, {
        name: `Person ${i}`,
        emails: [`person${i}@firm.test`],
        phones: [`+141555501${String(i).padStart(2, '0')}`],
        source: { module: 'plinth' },
      });
      contactId = contact.id;
    }
    // The workspace API's pages list something: a token and a webhook (to a public address, never sent to here).
    await t.entities.apiTokens.create(firm.id, { name: 'CRM sync', scopes: ['contacts:read'], createdBy: OWNER });
    await p.webhooks.create(firm.id, { url: 'https://93.184.215.14/hook', events: ['plinth.*'], createdBy: OWNER });
    ({ server, base } = await serveLocally(adminApp(t, p)));
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    server?.close();
    await t?.drop();
  });

  /** A signed-in page in the firm's workspace, `width` pixels wide. */
  async function signedIn(width: number): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${base}/admin/login`);
    await page.fill('input[name=email]', OWNER);
    await page.fill('input[name=password]', PASSWORD);
    await Promise.all([page.waitForURL(`${base}/admin/workspaces`), page.press('input[name=password]', 'Enter')]);
    await Promise.all([page.waitForURL(`${base}/admin`), page.click('button:has-text("Alder & Finch")')]);
    return { context, page };
  }

  /** Each page of the admin, with what shows once it has drawn. */
  const pages = () => [
    { name: 'dashboard', path: '/admin', ready: '[data-css="workspace-bar"]' },
    { name: 'contacts', path: '/admin/resources/contacts', ready: 'text=Person 11' },
    { name: 'contact', path: `/admin/resources/contacts/records/${contactId}/show`, ready: 'text=Person 11' },
    { name: 'contact-edit', path: `/admin/resources/contacts/records/${contactId}/edit`, ready: 'input[name=name]' },
    { name: 'new-contact', path: '/admin/resources/contacts/actions/new', ready: 'text=Lead score' },
    {
      name: 'form-builder',
      path: '/admin/resources/contact-forms.contact_forms/actions/new',
      ready: '[data-testid="form-preview"]',
    },
    { name: 'marketplace', path: '/admin/pages/marketplace', ready: '[data-testid="disable-logiclegal"]' },
    { name: 'layouts', path: '/admin/pages/layouts', ready: '[data-testid="layout-publish"]' },
    { name: 'theme', path: '/admin/pages/theme', ready: 'input' },
    { name: 'events', path: '/admin/pages/events', ready: 'h2, h3' },
    { name: 'security', path: '/admin/security', ready: 'h1' },
    { name: 'workspaces', path: '/admin/workspaces', ready: 'h1' },
    { name: 'api-tokens', path: '/admin/tokens', ready: 'h1' },
    { name: 'webhooks', path: '/admin/webhooks', ready: 'h1' },
    { name: 'api-reference', path: '/admin/api-reference', ready: 'h1' },
  ];

  /** Goes to each page of the admin in turn, giving its name once it has drawn and its requests have settled. */
  async function* drawnPages(page: Page): AsyncGenerator<string> {
    for (const { name, path: url, ready } of pages()) {
      await page.goto(base + url);
      await page.waitForSelector(ready);
      await page.waitForLoadState('networkidle');
      yield name;
    }
  }

  /** axe-core's critical and serious findings on the page as it is: the rule, how many elements, and the first few. */
  async function seriousViolations(page: Page): Promise<string[]> {
    const { violations } = await new AxeBuilder({ page }).analyze();
    return violations
      .filter((v) => v.impact === 'critical' || v.impact === 'serious')
      .map((v) => {
        const first = v.nodes
          .slice(0, 3)
          .map((n) => `${n.target.join(' ')}: ${n.failureSummary?.split('\n')[1]?.trim()} [${n.html.slice(0, 120)}]`);
        return `${v.id} (${v.impact}) ×${v.nodes.length}\n    ${first.join('\n    ')}`;
      });
  }

  /**
   * What scrolls sideways: the page itself, or a box inside it (AdminJS scrolls its content in a
   * box of its own, so a page can fit while its buttons sit off the edge of that box).
   */
  async function sideways(page: Page): Promise<string[]> {
    return page.evaluate(() => {
      const wide: string[] = [];
      const root = document.documentElement;
      if (root.scrollWidth > root.clientWidth) wide.push(`the page is ${root.scrollWidth} px wide`);
      for (const el of document.querySelectorAll<HTMLElement>('body *')) {
        const style = getComputedStyle(el);
        if (!['auto', 'scroll'].includes(style.overflowX) || el.scrollWidth <= el.clientWidth + 1) continue;
        const name = (e: Element) =>
          `<${e.tagName.toLowerCase()} ${e.getAttribute('data-testid') ?? e.getAttribute('data-css') ?? ''}>`;
        // Whatever inside is wider than its own box, the deepest last: that is what to fix.
        const wider = [...el.querySelectorAll('*')].filter((e) => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1);
        wide.push(
          `${name(el)} scrolls: ${el.scrollWidth} px in ${el.clientWidth}, through ${wider.slice(-3).map(name).join(' ')}`,
        );
      }
      return wide;
    });
  }

  for (const width of WIDTHS) {
    it(`finds nothing critical or serious on any page at ${width} px`, async () => {
      const found: string[] = [];
      const signIn = await (await browser.newContext({ viewport: { width, height: 900 } })).newPage();
      await signIn.goto(`${base}/admin/login`);
      await signIn.waitForSelector('input[name=email]');
      found.push(...(await seriousViolations(signIn)).map((v) => `sign-in: ${v}`));
      await signIn.screenshot({ path: path.join(ARTIFACTS, `a11y-sign-in-${width}.png`) });
      await signIn.context().close();
      const { context, page } = await signedIn(width);
      for await (const name of drawnPages(page)) {
        found.push(...(await seriousViolations(page)).map((v) => `${name}: ${v}`));
        await page.screenshot({ path: path.join(ARTIFACTS, `a11y-${name}-${width}.png`) });
      }
      // The list's filter drawer and a row's actions, open.
      await page.goto(`${base}/admin/resources/contacts`);
      await page.waitForSelector('text=Person 11');
      await page.click('[data-css="contacts-filter-button"]');
      await page.waitForSelector('#filter-drawer:not([inert])');
      found.push(...(await seriousViolations(page)).map((v) => `filter drawer: ${v}`));
      await page.screenshot({ path: path.join(ARTIFACTS, `a11y-filter-drawer-${width}.png`) });
      await page.click('[aria-label="Close filters"]');
      await page.click('[aria-label="Actions for Person 11"]');
      found.push(...(await seriousViolations(page)).map((v) => `row actions: ${v}`));
      await context.close();
      assert.equal(found.length, 0, `\n${found.join('\n')}`);
    });
  }

  /** Where the keyboard's focus is, and whether one can see it there. */
  interface Stop {
    /** Tag, then the accessible name as the page gives it (aria-label, else its text). */
    what: string;
    inNavigation: boolean;
    inClosedDrawer: boolean;
    /** The outline or shadow it has focused, and not otherwise (a hidden checkbox's box beside it counts). */
    ring: boolean;
  }

  /**
   * The focused element. With `ring`, it is measured focused, then unfocused and focused again,
   * which closes whatever closes when the focus leaves it (a row's actions): only the walk through
   * a whole page measures.
   */
  const focused = (page: Page, ring = false): Promise<Stop | null> =>
    page.evaluate((ring) => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return null;
      const box = el.getBoundingClientRect();
      // AdminJS's checkbox is an input of 1 px, drawn by the box beside it.
      const drawn = box.width <= 1 && el.nextElementSibling ? (el.nextElementSibling as HTMLElement) : el;
      const look = () => {
        // AdminJS's buttons ease every change in over 0.1 s: measure where each ends.
        for (const animation of drawn.getAnimations()) animation.finish();
        const style = getComputedStyle(drawn);
        return { outline: `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`, shadow: style.boxShadow };
      };
      const on = look();
      if (ring) el.blur();
      const off = look();
      if (ring) el.focus();
      const shows =
        (on.outline !== off.outline && !on.outline.startsWith('none') && !on.outline.includes(' 0px ')) ||
        (on.shadow !== off.shadow && on.shadow !== 'none');
      const drawer = el.closest('[data-css$="filter-drawer"]');
      for (const animation of drawer?.getAnimations() ?? []) animation.finish();
      const name = el.getAttribute('aria-label') ?? el.textContent?.trim() ?? '';
      return {
        what: `${el.tagName.toLowerCase()} ${name.slice(0, 60)}`.trim(),
        inNavigation: Boolean(el.closest('[data-css="sidebar"]')),
        // Closed, the drawer waits off the right edge of the window (measured where its slide ends).
        inClosedDrawer: Boolean(drawer && drawer.getBoundingClientRect().left >= window.innerWidth - 1),
        ring: shows,
      };
    }, ring);

  /** Presses Tab until the focus leaves the page or comes round again; every stop on the way. */
  async function tabThrough(page: Page): Promise<Stop[]> {
    const stops: Stop[] = [];
    for (let i = 0; i < 200; i++) {
      await page.keyboard.press('Tab');
      const stop = await focused(page, true);
      if (!stop || (stops.length > 0 && stop.what === stops[0].what && i > 5)) break;
      stops.push(stop);
    }
    return stops;
  }

  /** Tabs forward until the focus is on what `pattern` matches; fails if it never gets there. */
  async function tabTo(page: Page, pattern: RegExp, backwards = false): Promise<Stop> {
    for (let i = 0; i < 200; i++) {
      await page.keyboard.press(backwards ? 'Shift+Tab' : 'Tab');
      const stop = await focused(page);
      if (stop && pattern.test(stop.what)) return stop;
    }
    throw new Error(`Tab never reached ${pattern}`);
  }

  it("reaches the menu, the filter, a row's actions and sign-out by keyboard, each stop with a visible focus", async () => {
    const { context, page } = await signedIn(1366);
    await page.goto(`${base}/admin/resources/contacts`);
    await page.waitForSelector('text=Person 11');
    await page.waitForLoadState('networkidle');

    const stops = await tabThrough(page);
    const where = (pattern: RegExp) => stops.findIndex((s) => pattern.test(s.what));
    const order = [/^button People$/, /^a Marketplace$/, /^a Sign out$/, /^button Filter$/, /^button Actions for Person 11$/];
    for (const pattern of order)
      assert.notEqual(where(pattern), -1, `Tab reaches ${pattern}: ${stops.map((s) => s.what).join(' | ')}`);
    const positions = order.map(where);
    assert.deepEqual(
      [...positions].sort((a, b) => a - b),
      positions,
      'menu, top bar, filter, rows: in the order they are seen',
    );
    assert.ok(stops.filter((s) => s.inNavigation).length >= 4, "the menu's groups and pages are tab stops");
    assert.deepEqual(
      stops.filter((s) => s.inClosedDrawer),
      [],
      'nothing in the closed filter drawer takes the focus',
    );
    assert.deepEqual(
      stops.filter((s) => !s.ring).map((s) => s.what),
      [],
      'every tab stop shows where the focus is',
    );

    // Shift+Tab walks back the same way.
    await page.goto(`${base}/admin/resources/contacts`);
    await page.waitForSelector('text=Person 11');
    await tabTo(page, /^button Filter$/);
    const before = stops[where(/^button Filter$/) - 1];
    assert.equal((await tabTo(page, /./, true)).what, before.what);

    // Enter opens a menu group, and its resources follow it in the tab order.
    await page.goto(`${base}/admin/pages/events`);
    await page.waitForSelector('[data-css="sidebar"] nav');
    await tabTo(page, /^button People$/);
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-css="sidebar"] nav button[aria-expanded="true"]:has-text("People")');
    assert.equal((await tabTo(page, /./)).what, 'a Contacts');
    await Promise.all([page.waitForURL(`${base}/admin/resources/contacts`), page.keyboard.press('Enter')]);
    await page.waitForSelector('text=Person 11');

    // Enter on Filter opens the drawer with the focus in it; closing it brings the focus back.
    await tabTo(page, /^button Filter$/);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'Close filters');
    assert.equal((await tabTo(page, /^input/)).inClosedDrawer, false);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'filter-name');
    await page.screenshot({ path: path.join(ARTIFACTS, 'a11y-keyboard-filter.png') });
    await tabTo(page, /^button Close filters$/, true);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.textContent?.trim() === 'Filter');

    // Enter on a row's actions shows them; Tab reaches one, Enter follows it.
    await tabTo(page, /^button Actions for Person 11$/);
    await page.keyboard.press('Enter');
    await page.waitForSelector('button[aria-expanded="true"][aria-label="Actions for Person 11"]');
    await page.screenshot({ path: path.join(ARTIFACTS, 'a11y-keyboard-row-actions.png') });
    await tabTo(page, /^a Show$/);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/admin/resources/contacts/records/${contactId}/show`, { waitUntil: 'commit' });

    // And the top bar's Sign out, by keyboard too.
    await tabTo(page, /^a Sign out$/);
    await Promise.all([page.waitForURL(`${base}/admin/logout`), page.keyboard.press('Enter')]);
    await context.close();
  });

  for (const width of WIDTHS)
    it(`scrolls no page sideways at ${width} px`, async () => {
      const signIn = await (await browser.newContext({ viewport: { width, height: 800 } })).newPage();
      await signIn.goto(`${base}/admin/login`);
      await signIn.waitForSelector('input[name=email]');
      const wide = (await sideways(signIn)).map((w) => `sign-in: ${w}`);
      await signIn.context().close();
      const { context, page } = await signedIn(width);
      for await (const name of drawnPages(page)) {
        wide.push(...(await sideways(page)).map((w) => `${name}: ${w}`));
        await page.screenshot({ path: path.join(ARTIFACTS, `a11y-${name}-${width}-fit.png`), fullPage: true });
      }
      await context.close();
      assert.deepEqual(wide, []);
    });
});
