import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { type Browser, type Page } from 'playwright-core';
import { escapeHtml } from '../platform/admin/markup.js';
import { adminApp, AdminClient, giveTheme, serveLocally } from './support/admin.js';
import { launchChromium, signedInPage, skipWithoutChromium } from './support/browser.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { testPlatform, type TestPlatform } from './support/platform.js';
import { pluginDir } from './support/plugins.js';

const PASSWORD = 'correct horse battery staple';
/** What a hostile client owner types into every field: it breaks out of an attribute, a title, a script, or is HTML. */
const PAYLOAD = `"'></title></script><script>__xss=1</script><img src=x onerror=__xss=2>`;

/**
 * Stored scripts do not jump tenants: a client's owner writes a script payload into every field
 * the admin lets them write (theme, layouts, navigation, dashboard widgets, module settings) and
 * a module writes one into its rows and events. The agency's owner, who also belongs to that
 * client, then opens every studio page and every generated screen there, in Chromium: nothing
 * runs, and the payload shows as the text it is.
 */
describe(`stored scripts in the admin (${onServer ? 'server' : 'embedded'} database)`, function () {
  let t: TestDatabase;
  let p: TestPlatform;
  let server: Server;
  let base: string;
  let browser: Browser;
  let attacker: AdminClient;

  before(async function () {
    skipWithoutChromium(this);
    t = await freshDatabase();
    p = testPlatform(t);
    await t.entities.workspaces.create({ slug: 'agency', name: 'Agency' });
    const client = await t.entities.workspaces.create({ slug: 'client', name: PAYLOAD, parent: 'agency' });
    await t.entities.users.create({ email: 'owner@client.test', password: PASSWORD });
    await t.entities.users.grant({ email: 'owner@client.test', workspace: 'client', role: 'owner' });
    await t.entities.users.create({ email: 'boss@agency.test', password: PASSWORD });
    await t.entities.users.grant({ email: 'boss@agency.test', workspace: 'agency', role: 'owner' });
    await t.entities.users.grant({ email: 'boss@agency.test', workspace: 'client', role: 'owner' });
    await p.add(
      pluginDir('ledger', (m) => {
        m.name = PAYLOAD;
        m.tables[0].schema.properties.title['x-plinth-label'] = PAYLOAD;
      }),
      'ledger',
      [],
    );

    ({ server, base } = await serveLocally(adminApp(t, p)));
    attacker = new AdminClient(base);
    assert.equal((await attacker.post('/admin/login', { email: 'owner@client.test', password: PASSWORD })).status, 303);
    const enabled = await attacker.send('POST', '/admin/studio/api/marketplace/ledger/enable', {
      settings: { signature: PAYLOAD },
    });
    assert.equal(enabled.status, 200, JSON.stringify(enabled.body));
    const layout = (resource: string, field: string) => ({
      label: PAYLOAD,
      navigation: { group: PAYLOAD },
      labels: { [field]: PAYLOAD },
      dashboard: [{ kind: 'count', title: PAYLOAD, resource }],
    });
    for (const [resource, field] of [
      ['contacts', 'name'],
      ['ledger.notes', 'title'],
    ]) {
      const published = await attacker.send('PUT', `/admin/studio/api/layouts/${resource}`, layout(resource, field));
      assert.equal(published.status, 200, JSON.stringify(published.body));
    }
    const theme = await attacker.send('PUT', '/admin/studio/api/theme', { name: PAYLOAD, branding: { companyName: PAYLOAD } });
    assert.equal(theme.status, 200, JSON.stringify(theme.body));

    const contact = await t.entities.contacts.upsert(client.id, {
      name: PAYLOAD,
      emails: ['x@client.test'],
      source: { module: 'plinth' },
    });
    await p.runtime.run('ledger', { workspaceId: client.id }, async (ctx) => {
      const row = await ctx.models.notes.create({ title: PAYLOAD, body: PAYLOAD, contact_id: contact.contact.id });
      await ctx.events.emit(
        'ledger.note_added',
        { noteId: String(row.get('id')), title: PAYLOAD },
        { contactId: contact.contact.id },
      );
    });

    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    server?.close();
    await t?.drop();
  });

  it('refuses a logo or favicon that is not an https: or data:image URL, naming the field; the theme stays', async () => {
    for (const [field, url] of [
      ['favicon', 'x"><script>__xss=3</script>'],
      ['logo', 'javascript:__xss=4'],
      ['favicon', '/admin/../x.png'],
    ]) {
      const refused = await attacker.send('PUT', '/admin/studio/api/theme', { branding: { companyName: 'Fine', [field]: url } });
      assert.equal(refused.status, 400);
      assert.match(refused.body.error, new RegExp(`/branding/${field}: must be an https: URL or a data:image/… URL`));
    }
    assert.equal(
      (await attacker.json('/admin/studio/api/theme')).body.theme.branding.companyName,
      PAYLOAD,
      'nothing was written',
    );
  });

  it('sends a Content-Security-Policy whose scripts need a nonce: no inline script without one', async () => {
    for (const path of ['/admin/login', '/admin']) {
      const res = await attacker.request(path);
      const csp = res.headers.get('content-security-policy') ?? '';
      const scripts = /script-src ([^;]*)/.exec(csp)?.[1] ?? '';
      assert.match(scripts, /'nonce-[A-Za-z0-9+/=]{20,}'/, path);
      assert.doesNotMatch(scripts, /unsafe-inline/, path);
      const html = await res.text();
      if (path === '/admin')
        assert.ok(html.includes(`<title>${escapeHtml(PAYLOAD)}</title>`), 'the company name, escaped, in the page as sent');
      const nonce = /'nonce-([^']+)'/.exec(scripts)![1];
      for (const tag of html.match(/<script(?![^>]*\bsrc=)[^>]*>/g) ?? []) assert.ok(tag.includes(`nonce="${nonce}"`), tag);
    }
  });

  async function signIn(email: string): Promise<Page> {
    return signedInPage(browser, base, email, PASSWORD, { width: 1280, height: 800, landing: /\/admin\/workspaces$/ });
  }

  /** Opens `path` and waits for the application to have rendered it; `__xss` must still be unset. */
  async function visit(page: Page, path: string): Promise<void> {
    await page.goto(`${base}${path}`);
    await page.waitForSelector('[data-css="sidebar"]', { timeout: 20_000 });
    await page.waitForLoadState('networkidle');
    assert.equal(
      await page.evaluate(() => (window as unknown as { __xss?: number }).__xss),
      undefined,
      `a script ran on ${path}`,
    );
  }

  it("runs nothing of it when the agency's owner opens every page of the client's admin", async () => {
    const page = await signIn('boss@agency.test');
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined, 'the workspace chooser');
    assert.match(await page.locator('body').innerText(), new RegExp(PAYLOAD.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    await Promise.all([page.waitForURL(`${base}/admin`), page.locator('form:has(input[value=client]) button').click()]);
    await visit(page, '/admin');
    // The workspace's name is the payload too: the tab shows it as the text it is.
    await page.waitForFunction((text) => document.title === `Dashboard – ${text}`, PAYLOAD);
    const resources = await page.evaluate(() =>
      (window as unknown as { REDUX_STATE: { resources: { id: string; href: string }[] } }).REDUX_STATE.resources.map(
        (r) => r.id,
      ),
    );
    assert.deepEqual(resources.sort(), ['contacts', 'ledger.notes']);
    for (const name of ['marketplace', 'layouts', 'theme', 'events']) await visit(page, `/admin/pages/${name}`);
    for (const resource of resources) {
      await visit(page, `/admin/resources/${resource}`);
      assert.match(
        await page.locator('main, body').first().innerText(),
        /title>/,
        `${resource}'s list shows the payload as text`,
      );
      const id = await page.evaluate(
        async (r) => (await (await fetch(`/admin/api/resources/${r}/actions/list`)).json()).records[0].id as string,
        resource,
      );
      for (const action of ['show', 'edit']) await visit(page, `/admin/resources/${resource}/records/${id}/${action}`);
      if (resource === 'contacts') await visit(page, `/admin/resources/contacts/records/${id}/timeline`);
    }
  });

  it('drops a logo or favicon that a row written around the schema holds, instead of linking it', async () => {
    const client = await t.entities.workspaces.bySlug('client');
    await giveTheme(t, client.id, {
      branding: { companyName: 'Around', favicon: 'x"><script>__xss=5</script>', logo: 'javascript:__xss=6' },
    });
    const page = await signIn('boss@agency.test');
    await Promise.all([page.waitForURL(`${base}/admin`), page.locator('form:has(input[value=client]) button').click()]);
    await visit(page, '/admin');
    assert.equal(await page.locator('link[rel=icon]').count(), 0);
    const branding = await page.evaluate(
      () => (window as unknown as { REDUX_STATE: { branding: { logo: unknown } } }).REDUX_STATE.branding.logo,
    );
    assert.equal(branding, false);
  });
});
