import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { workspaceDocument } from '../platform/api/index.js';
import { AdminClient, adminApp, serveLocally } from './support/admin.js';
import { launchChromium, signedInPage, skipWithoutChromium } from './support/browser.js';
import { casesPlugin } from './support/cases-plugin.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { pluginDir } from './support/plugins.js';
import { testPlatform, type TestPlatform } from './support/platform.js';

const PASSWORD = 'a long enough test password';
/** Vendor-written text that must stay text wherever the admin shows it. */
const PAYLOAD = `"'></code></h2><script>__xss=1</script><img src=x onerror=__xss=2>`;
/** A public address written as such: checked without a name lookup, and never sent to (no dispatcher runs here). */
const PUBLIC_URL = 'https://93.184.215.14/plinth-hook';

/**
 * The admin's pages for the workspace API: tokens and webhooks for owners and admins (through the
 * same entity and service as the CLI, refusals beside their field with nothing written, forms
 * behind the same-origin check), nothing of them for members, and the API reference, with every
 * vendor-written text of the generated document escaped.
 */
describe(`the admin's workspace API pages (${onServer ? 'server' : 'embedded'} database)`, function () {
  let t: TestDatabase;
  let p: TestPlatform;
  let server: Server;
  let base: string;
  let owner: AdminClient;
  let member: AdminClient;
  let acmeId: string;
  let otherId: string;

  before(async () => {
    t = await freshDatabase();
    p = testPlatform(t);
    acmeId = (await t.entities.workspaces.create({ slug: 'acme', name: 'Acme' })).id;
    otherId = (await t.entities.workspaces.create({ slug: 'other', name: 'Other' })).id;
    for (const [email, role] of [
      ['owner@acme.test', 'owner'],
      ['member@acme.test', 'member'],
    ] as const) {
      await t.entities.users.create({ email, password: PASSWORD });
      await t.entities.users.grant({ email, workspace: 'acme', role });
    }
    await p.add(
      pluginDir('ledger', (m) => {
        m.name = PAYLOAD;
        m.tables[0].label = PAYLOAD;
        m.tables[0].schema.properties.title.description = PAYLOAD;
      }),
      'ledger',
      ['acme'],
    );
    // Installed and enabled elsewhere: its scopes are not this workspace's.
    await p.add(casesPlugin(), 'acme-cases', ['other']);
    ({ server, base } = await serveLocally(adminApp(t, p)));
    owner = new AdminClient(base);
    member = new AdminClient(base);
    assert.equal((await owner.post('/admin/login', { email: 'owner@acme.test', password: PASSWORD })).status, 303);
    assert.equal((await member.post('/admin/login', { email: 'member@acme.test', password: PASSWORD })).status, 303);
  });
  after(async () => {
    server?.close();
    await t?.drop();
  });

  const text = async (client: AdminClient, path: string) => {
    const res = await client.request(path);
    return { status: res.status, html: await res.text(), headers: res.headers };
  };
  const tokenRows = () => t.db.owner('count tokens', () => t.db.rows('SELECT * FROM api_tokens ORDER BY created_at'));
  const webhookRows = () => t.db.owner('count webhooks', () => t.db.rows('SELECT * FROM webhooks ORDER BY created_at'));
  const post = (client: AdminClient, path: string, form: Record<string, string | string[]>, origin?: string | null) => {
    const body = new URLSearchParams();
    for (const [name, value] of Object.entries(form)) for (const v of [value].flat()) body.append(name, v);
    return client.request(path, { method: 'POST', body, origin });
  };
  /** The error shown beside a field, tied to it by aria-describedby. */
  const fieldError = (html: string, field: string) => {
    assert.match(html, new RegExp(`id="${field}"[^>]*aria-invalid="true" aria-describedby="${field}-error"`), html);
    const shown = /<p class="field-error" id="[^"]+-error">([^<]*)<\/p>/.exec(
      html.slice(html.indexOf(`id="${field}-error"`) - 40),
    );
    return shown?.[1]
      ?.replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  };

  it('offers the closed set of scopes: the shell’s and the tables of the modules enabled here, their names escaped', async () => {
    const { status, html } = await text(owner, '/admin/tokens');
    assert.equal(status, 200);
    for (const scope of ['contacts:read', 'contacts:write', 'events:read', 'ledger:notes:read', 'ledger:notes:write'])
      assert.ok(html.includes(`value="${scope}"`), scope);
    assert.ok(!html.includes('acme-cases:cases:read'), 'a module enabled in another workspace only');
    assert.ok(!html.includes('<script>__xss'), 'the module name is escaped');
    assert.ok(html.includes('&lt;script&gt;__xss=1&lt;/script&gt;'));
  });

  it('creates a token through the entity, showing the plaintext once and never in the list', async () => {
    const res = await post(owner, '/admin/tokens', {
      name: 'CRM sync',
      scopes: ['contacts:read', 'ledger:notes:read'],
      expires: '2099-01-31',
    });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const html = await res.text();
    const plaintext = /plinth_[0-9a-f]{8}_[0-9a-f]{64}/.exec(html)?.[0];
    assert.ok(plaintext, html);
    assert.match(html, /will not be shown again/);
    const caller = await t.entities.apiTokens.authenticate(plaintext);
    assert.deepEqual(caller?.scopes, ['contacts:read', 'ledger:notes:read']);
    assert.equal(caller?.workspaceId, acmeId);
    const [row] = (await t.entities.apiTokens.list(acmeId)).filter((tk) => tk.name === 'CRM sync');
    assert.equal(row.createdBy, 'owner@acme.test');
    assert.equal(row.expiresAt.toISOString(), '2099-01-31T23:59:59.000Z');
    const list = (await text(owner, '/admin/tokens')).html;
    assert.ok(list.includes(`plinth_${row.prefix}_…`) && list.includes('CRM sync'));
    assert.ok(!list.includes(plaintext.slice(16)), 'the secret is never listed');
  });

  it('refuses a bad token form beside the field at fault, writing nothing', async () => {
    const before = await tokenRows();
    const cases: [Record<string, string | string[]>, string, RegExp][] = [
      [{ name: '', scopes: 'contacts:read' }, 'name', /name/],
      [{ name: 'x', expires: '' }, 'scopes', /at least one scope/],
      [{ name: 'x', scopes: 'acme-cases:cases:read' }, 'scopes', /"acme-cases:cases:read" is not a scope of this workspace/],
      [{ name: 'x', scopes: 'everything' }, 'scopes', /"everything" is not a scope/],
      [{ name: 'x', scopes: 'contacts:read', expires: '2001-01-01' }, 'expires', /not in the future/],
      [{ name: 'x', scopes: 'contacts:read', expires: 'soon' }, 'expires', /"soon" is not a day/],
    ];
    for (const [form, field, message] of cases) {
      const res = await post(owner, '/admin/tokens', form);
      assert.equal(res.status, 400, JSON.stringify(form));
      const html = await res.text();
      assert.match(fieldError(html, field) ?? '', message, JSON.stringify(form));
      assert.match(html, /role="alert">Nothing was saved/);
    }
    assert.deepEqual(await tokenRows(), before);
  });

  it('revokes a token of this workspace after a confirmation, and no other workspace’s', async () => {
    const { token, plaintext } = await t.entities.apiTokens.create(acmeId, {
      name: 'old',
      scopes: ['events:read'],
      createdBy: 'test',
    });
    const confirm = await text(owner, `/admin/tokens/${token.id}/revoke`);
    assert.equal(confirm.status, 200);
    assert.match(confirm.html, /cannot be undone/);
    assert.ok(await t.entities.apiTokens.authenticate(plaintext), 'the confirmation page revokes nothing');
    assert.equal((await post(owner, `/admin/tokens/${token.id}/revoke`, {})).status, 303);
    assert.equal(await t.entities.apiTokens.authenticate(plaintext), null);
    assert.match((await text(owner, '/admin/tokens')).html, /<td>old<\/td>[\s\S]*?<td>revoked<\/td>/);

    const elsewhere = await t.entities.apiTokens.create(otherId, { name: 'theirs', scopes: ['events:read'], createdBy: 'test' });
    assert.equal((await post(owner, `/admin/tokens/${elsewhere.token.id}/revoke`, {})).status, 404);
    assert.ok(await t.entities.apiTokens.authenticate(elsewhere.plaintext), 'another workspace’s token stays live');
  });

  it('refuses a form posted from another site, writing nothing', async () => {
    const tokens = await tokenRows();
    const hooks = await webhookRows();
    const forged = await post(owner, '/admin/tokens', { name: 'forged', scopes: 'contacts:write' }, 'https://evil.test');
    assert.equal(forged.status, 403);
    assert.match(await forged.text(), /comes from https:\/\/evil\.test/);
    assert.equal((await post(owner, '/admin/tokens', { name: 'forged', scopes: 'contacts:write' }, null)).status, 403);
    assert.equal(
      (await post(owner, '/admin/webhooks', { url: PUBLIC_URL, events: 'plinth.*' }, 'https://evil.test')).status,
      403,
    );
    assert.deepEqual(await tokenRows(), tokens);
    assert.deepEqual(await webhookRows(), hooks);
  });

  it('gives a member neither tokens nor webhooks, read or write, but the reference', async () => {
    const tokens = await tokenRows();
    const hooks = await webhookRows();
    for (const path of ['/admin/tokens', '/admin/webhooks']) {
      const { status, html } = await text(member, path);
      assert.equal(status, 403, path);
      assert.match(html, /Only owners and admins of Acme manage .*; you are a member/);
      assert.ok(!html.includes('<table'), 'no list');
    }
    assert.equal((await post(member, '/admin/tokens', { name: 'mine', scopes: 'contacts:read' })).status, 403);
    assert.equal((await post(member, '/admin/webhooks', { url: PUBLIC_URL, events: 'plinth.*' })).status, 403);
    assert.deepEqual(await tokenRows(), tokens);
    assert.deepEqual(await webhookRows(), hooks);
    assert.equal((await text(member, '/admin/api-reference')).status, 200);
    const dashboard = await member.send('GET', '/admin/studio/api/dashboard');
    assert.equal(dashboard.status, 200);
    assert.equal(dashboard.body.webhookNotices, undefined);
  });

  it('creates, edits, switches, rotates and removes a webhook through the service, the secret shown once', async () => {
    const created = await post(owner, '/admin/webhooks', { url: PUBLIC_URL, events: 'plinth.*, ledger.*', active: 'on' });
    assert.equal(created.status, 201);
    const secret = /data-testid="webhook-secret">([0-9a-f]{64})</.exec(await created.text())?.[1];
    assert.ok(secret);
    const [hook] = await p.webhooks.list(acmeId);
    assert.deepEqual([hook.url, hook.events, hook.active], [PUBLIC_URL, ['plinth.*', 'ledger.*'], true]);
    const list = (await text(owner, '/admin/webhooks')).html;
    assert.ok(list.includes(PUBLIC_URL) && !list.includes(secret), 'listed, never with its secret');

    assert.equal((await post(owner, `/admin/webhooks/${hook.id}/edit`, { url: PUBLIC_URL, events: 'ledger.*' })).status, 303);
    assert.deepEqual((await p.webhooks.get(acmeId, hook.id)).events, ['ledger.*']);
    assert.equal((await post(owner, `/admin/webhooks/${hook.id}/active`, { active: 'off' })).status, 303);
    assert.equal((await p.webhooks.get(acmeId, hook.id)).active, false);
    assert.equal((await post(owner, `/admin/webhooks/${hook.id}/active`, { active: 'on' })).status, 303);
    assert.equal((await p.webhooks.get(acmeId, hook.id)).active, true);

    const rotated = await post(owner, `/admin/webhooks/${hook.id}/rotate`, {});
    assert.equal(rotated.status, 200);
    const fresh = /data-testid="webhook-secret">([0-9a-f]{64})</.exec(await rotated.text())?.[1];
    assert.ok(fresh && fresh !== secret);
    const [kept] = await t.db.owner('read secret', () =>
      t.db.rows<{ secret: string }>('SELECT secret FROM webhooks WHERE id = $1', [hook.id]),
    );
    assert.equal(kept.secret, fresh);

    assert.match((await text(owner, `/admin/webhooks/${hook.id}/remove`)).html, /Remove the webhook/);
    assert.equal((await p.webhooks.list(acmeId)).length, 1, 'the confirmation page removes nothing');
    assert.equal((await post(owner, `/admin/webhooks/${hook.id}/remove`, {})).status, 303);
    assert.deepEqual(await p.webhooks.list(acmeId), []);
  });

  it('refuses a webhook to a private or metadata address, or with bad events, beside the field, writing nothing', async () => {
    const before = await webhookRows();
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ url: 'http://127.0.0.1/hook', events: 'plinth.*' }, 'url', /127\.0\.0\.1/],
      [{ url: 'http://169.254.169.254/latest/meta-data', events: 'plinth.*' }, 'url', /169\.254\.169\.254/],
      [{ url: 'ftp://files.example/x', events: 'plinth.*' }, 'url', /not http or https/],
      [{ url: PUBLIC_URL, events: '' }, 'events', /at least one event name/],
      [{ url: PUBLIC_URL, events: 'Not An Event' }, 'events', /"Not" is neither an event name/],
    ];
    for (const [form, field, message] of cases) {
      const res = await post(owner, '/admin/webhooks', form);
      assert.equal(res.status, 400, JSON.stringify(form));
      assert.match(fieldError(await res.text(), field) ?? '', message, JSON.stringify(form));
    }
    const { webhook } = await p.webhooks.create(acmeId, { url: PUBLIC_URL, events: ['plinth.*'], createdBy: 'test' });
    const edit = await post(owner, `/admin/webhooks/${webhook.id}/edit`, { url: 'http://10.0.0.8/', events: 'plinth.*' });
    assert.equal(edit.status, 400);
    assert.match(fieldError(await edit.text(), 'url') ?? '', /10\.0\.0\.8/);
    assert.equal((await p.webhooks.get(acmeId, webhook.id)).url, PUBLIC_URL);
    await p.webhooks.remove(acmeId, webhook.id);
    assert.deepEqual(await webhookRows(), before);
  });

  it('shows a webhook the platform switched off after failing, on its page and on the dashboard', async () => {
    const { webhook } = await p.webhooks.create(acmeId, {
      url: `${PUBLIC_URL}?${PAYLOAD}`,
      events: ['plinth.*'],
      createdBy: 'test',
    });
    await switchedOff(t, webhook.id);
    const { html } = await text(owner, '/admin/webhooks');
    assert.match(html, /<div class="notice" role="alert"><h2>Switched off after failing<\/h2>/);
    assert.match(html, /20 deliveries in a row went dead/);
    assert.ok(!html.includes('<script>__xss'), 'the URL is escaped');
    const dashboard = await owner.send('GET', '/admin/studio/api/dashboard');
    assert.deepEqual(
      dashboard.body.webhookNotices.map((n: { url: string; reason: string }) => n.reason),
      ['20 deliveries in a row went dead'],
    );
    await p.webhooks.remove(acmeId, webhook.id);
  });

  it('renders the reference from the generated document, every vendor text escaped, with the document to download', async () => {
    const { status, html, headers } = await text(owner, '/admin/api-reference');
    assert.equal(status, 200);
    assert.match(headers.get('content-security-policy') ?? '', /script-src 'self' 'nonce-/);
    assert.ok(!/<script|<img/i.test(html), 'no script and no image: hostile text stayed text');
    assert.ok(html.includes('&lt;script&gt;__xss=1&lt;/script&gt;&lt;img src=x onerror=__xss=2&gt;'));
    assert.match(html, /<span class="method">GET<\/span> <code>\/contacts<\/code>/);
    assert.match(html, /Scope: <code>ledger:notes:read<\/code>/);
    assert.match(
      html,
      /<td><code>leadScore\.gte<\/code><\/td><td>query<\/td><td>no<\/td><td class="schema"><code>integer<\/code>/,
    );
    assert.ok(html.includes('href="/admin/api-reference/openapi.json"'));
    const download = await owner.request('/admin/api-reference/openapi.json');
    assert.match(download.headers.get('content-disposition') ?? '', /attachment; filename="acme-openapi.json"/);
    assert.deepEqual(await download.json(), JSON.parse(JSON.stringify(await workspaceDocument(p, 'acme'))));
  });

  describe('in Chromium', () => {
    let browser: Browser;
    before(async function () {
      skipWithoutChromium(this);
      browser = await launchChromium();
    });
    after(async () => browser?.close());

    it('creates a token whose plaintext shows once', async () => {
      const page = await signedInPage(browser, base, 'owner@acme.test', PASSWORD);
      await page.click('a:has-text("API tokens")');
      await page.waitForURL(`${base}/admin/tokens`);
      await page.fill('#name', 'Browser token');
      await page.check('input[value="contacts:read"]');
      await Promise.all([page.waitForURL(`${base}/admin/tokens`), page.click('button:has-text("Create token")')]);
      const plaintext = await page.textContent('[data-testid="token-plaintext"]');
      assert.match(plaintext ?? '', /^plinth_[0-9a-f]{8}_[0-9a-f]{64}$/);
      assert.ok(await page.isVisible('text=it will not be shown again'));
      await page.click('a:has-text("Back to the API tokens")');
      await page.waitForSelector('text=Browser token');
      assert.ok(!(await page.content()).includes(plaintext!.slice(16)), 'gone from every page after');
      await page.context().close();
    });

    it('creates a webhook showing its secret, and shows the notice once the platform switched it off', async () => {
      const page = await signedInPage(browser, base, 'owner@acme.test', PASSWORD);
      await page.goto(`${base}/admin/webhooks`);
      await page.fill('#url', 'http://127.0.0.1:9/hook');
      await page.fill('#events', 'plinth.*');
      await page.click('button:has-text("Create webhook")');
      await page.waitForSelector('#url-error');
      assert.match((await page.textContent('#url-error')) ?? '', /127\.0\.0\.1/);
      await page.fill('#url', PUBLIC_URL);
      await page.click('button:has-text("Create webhook")');
      assert.match((await page.textContent('[data-testid="webhook-secret"]')) ?? '', /^[0-9a-f]{64}$/);
      const [hook] = (await p.webhooks.list(acmeId)).filter((w) => w.url === PUBLIC_URL);
      await switchedOff(t, hook.id);
      await page.goto(`${base}/admin`);
      await page.waitForSelector('[data-testid="webhook-notices"]');
      assert.match((await page.textContent('[data-testid="webhook-notices"]')) ?? '', /20 deliveries in a row went dead/);
      await page.click('a:has-text("Manage webhooks")');
      await page.waitForSelector('.notice >> text=Switched off after failing');
      await page.context().close();
      await p.webhooks.remove(acmeId, hook.id);
    });

    it('browses the reference page, where the hostile manifest runs nothing', async () => {
      const page = await signedInPage(browser, base, 'owner@acme.test', PASSWORD);
      await page.click('a:has-text("API reference")');
      await page.waitForURL(`${base}/admin/api-reference`);
      assert.equal(await page.textContent('h1'), 'API reference');
      assert.ok(await page.isVisible('h2:has-text("Contacts")'));
      assert.ok((await page.textContent('main'))?.includes(PAYLOAD), 'shown as text');
      assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
      await page.click('a[href="#schemas"]');
      assert.ok(await page.isVisible('h2#schemas'));
      await page.context().close();
    });
  });
});

/** What the dispatcher leaves when it switches a webhook off for failing (decision 0035). */
async function switchedOff(t: TestDatabase, id: string): Promise<void> {
  await t.db.owner('switch a webhook off as the dispatcher does', () =>
    t.db.exec(
      `UPDATE webhooks SET active = false, consecutive_dead = 20, disabled_at = now(),
              disabled_reason = '20 deliveries in a row went dead' WHERE id = $1`,
      [id],
    ),
  );
}
