import assert from 'node:assert/strict';
import http, { type Server } from 'node:http';
import path from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';
import { validateManifest, type PluginManifest } from '../platform/manifests/index.js';
import { createModuleRoutes, createWebFormPages } from '../platform/routes/index.js';
import { AdminClient, adminApp, serveLocally } from './support/admin.js';
import { ARTIFACTS, launchChromium, signedInPage, skipWithoutChromium } from './support/browser.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { actor, testPlatform, type TestPlatform } from './support/platform.js';

const PASSWORD = 'a long enough test password';
const FORMS = 'mod_contact_forms.contact_forms';

/**
 * Contact Forms as an office manager runs it: fields built as label, type and required, with a
 * preview; the form's public page and embed snippet; a form that could reach no one refused
 * beside its fields; and a lead sent through the page arriving as a contact.
 */
describe(`the form builder and form pages (${onServer ? 'server' : 'embedded'} database)`, function () {
  let t: TestDatabase;
  let p: TestPlatform;
  let server: Server;
  let base: string;
  let firmId: string;

  before(async () => {
    t = await freshDatabase();
    p = testPlatform(t);
    firmId = (await t.entities.workspaces.create({ slug: 'firm', name: 'Alder & Finch' })).id;
    await t.entities.workspaces.create({ slug: 'other', name: 'Other Firm' });
    await t.entities.users.create({ email: 'owner@firm.test', password: PASSWORD });
    await t.entities.users.grant({ email: 'owner@firm.test', workspace: 'firm', role: 'owner' });
    await p.marketplace.registry.registerBundled();
    await p.marketplace.lifecycle.install('contact-forms', undefined, actor);
    await p.marketplace.lifecycle.enable('contact-forms', 'firm', { defaultCountry: 'US' }, actor);
    await p.runtime.run('contact-forms', { workspaceId: firmId }, async (ctx) => {
      await ctx.models.contact_forms.create({
        slug: 'hostile',
        name: '<script>alert("name")</script>',
        active: true,
        consent_text: 'I agree <img src=x onerror=alert(1)>',
        fields: {
          type: 'object',
          required: ['email'],
          properties: {
            email: { type: 'string', format: 'email', title: '<b>Email</b>' },
            topic: { type: 'string', enum: ['Wills', '"><script>alert(2)</script>'], title: 'Topic' },
            'odd"><b>bold</b>': { type: 'string', title: 'Odd' },
          },
        },
      });
      await ctx.models.contact_forms.create({
        slug: 'retired',
        name: 'Retired',
        active: false,
        fields: { type: 'object', properties: { email: { type: 'string', format: 'email' } } },
      });
    });
    const app = adminApp(t, p);
    const deps = { db: t.db, entities: t.entities, marketplace: p.marketplace, runtime: p.runtime, config: t.config };
    app.use('/m', createModuleRoutes(deps));
    app.use('/forms', createWebFormPages(deps));
    ({ server, base } = await serveLocally(app));
  });
  after(async () => {
    server?.close();
    await t?.drop();
  });

  const forms = () =>
    t.db.unit({ role: 'connection' }, () => t.db.rows<{ slug: string }>(`SELECT slug FROM ${FORMS} ORDER BY slug`));

  describe('the public page', () => {
    it('renders a form from its fields, escaping every text the workspace wrote, under a nonce-only CSP that lets any site frame it', async () => {
      const res = await fetch(`${base}/forms/contact-forms/firm/hostile`);
      assert.equal(res.status, 200);
      const csp = res.headers.get('content-security-policy') ?? '';
      const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
      assert.ok(nonce, csp);
      assert.match(csp, /frame-ancestors \*/);
      assert.match(csp, /default-src 'none'/);
      const html = await res.text();
      assert.match(html, /<h1>&lt;script&gt;alert\(&quot;name&quot;\)&lt;\/script&gt;<\/h1>/);
      assert.match(html, /&lt;b&gt;Email&lt;\/b&gt;/);
      assert.match(html, /I agree &lt;img src=x onerror=alert\(1\)&gt;/);
      assert.match(html, /<option value="&quot;&gt;&lt;script&gt;alert\(2\)&lt;\/script&gt;">/);
      assert.doesNotMatch(html, /<b>bold<\/b>/, 'a property name stays inside its attribute');
      assert.match(html, /name="odd&quot;&gt;&lt;b&gt;bold&lt;\/b&gt;"/);
      // Every script on the page is the page's own: it carries this response's nonce.
      const scripts = html.match(/<script[^>]*>/g) ?? [];
      assert.equal(scripts.length, 1);
      assert.equal(scripts[0], `<script nonce="${nonce}">`);
      assert.match(html, /"action":"\/m\/contact-forms\/firm\/hostile"/);
    });

    it('answers the same 404 for an inactive form, an unknown form, a workspace without the module, an unknown workspace and an unknown module', async () => {
      const answers = await Promise.all(
        [
          '/forms/contact-forms/firm/retired',
          '/forms/contact-forms/firm/nope',
          '/forms/contact-forms/other/hostile',
          '/forms/contact-forms/nowhere/hostile',
          '/forms/no-such-module/firm/hostile',
          '/forms/Contact_Forms/firm/hostile',
        ].map(async (url) => {
          const res = await fetch(`${base}${url}`);
          return { status: res.status, body: await res.text() };
        }),
      );
      for (const answer of answers) {
        assert.equal(answer.status, 404);
        assert.equal(answer.body, answers[0].body);
        assert.match(answer.body, /no form at this address/);
      }
    });
  });

  describe('saving a form in the admin', () => {
    let c: AdminClient;
    before(async () => {
      c = new AdminClient(base);
      assert.equal((await c.post('/admin/login', { email: 'owner@firm.test', password: PASSWORD })).status, 303);
    });

    it('refuses, beside the fields, a form with no email or phone field, and writes nothing', async () => {
      const before = await forms();
      const answer = await (
        await c.post(`/admin/api/resources/contact-forms.contact_forms/actions/new`, {
          name: 'Newsletter',
          slug: 'newsletter',
          active: 'true',
          fields: JSON.stringify({ type: 'object', properties: { name: { type: 'string' } } }),
        })
      ).json();
      assert.match(answer.record.errors?.fields?.message ?? '', /needs a field named "email" or "phone"/, JSON.stringify(answer));
      assert.deepEqual(await forms(), before);
    });

    it('still refuses fields that are not a schema of an object, naming what is wrong', async () => {
      const answer = await (
        await c.post(`/admin/api/resources/contact-forms.contact_forms/actions/new`, {
          name: 'Broken',
          slug: 'broken',
          active: 'true',
          fields: JSON.stringify({ type: 'text', properties: { email: { type: 'string' } } }),
        })
      ).json();
      assert.match(answer.record.errors?.fields?.message ?? '', /"type" is "text", not "object"/);
      assert.ok(!(await forms()).some((f) => f.slug === 'broken'));
    });
  });

  describe('in Chromium', function () {
    let browser: Browser;
    let page: Page;
    let site: Server;

    before(async function () {
      skipWithoutChromium(this);
      browser = await launchChromium();
      page = await signedInPage(browser, base, 'owner@firm.test', PASSWORD);
    });
    after(async () => {
      site?.close();
      await browser?.close();
    });

    it('builds a form with a choice, previews it, saves it and shows its address and embed snippet', async () => {
      await page.goto(`${base}/admin/resources/contact-forms.contact_forms/actions/new`);
      const builder = page.getByTestId('form-builder');
      await builder.waitFor({ timeout: 20_000 });
      // A new form starts with a way to reach the person.
      assert.deepEqual(await builder.locator('li code').allInnerTexts(), ['name', 'email', 'phone', 'message']);
      await page.fill('input#name', 'Free consultation');
      await page.fill('input#slug', 'consultation');
      await page.getByTestId('add-field').click();
      const added = page.getByTestId('builder-field-4');
      await added.getByLabel('Label').fill('Practice area');
      await added.locator('#builder-4-kind').click();
      await page.getByRole('option', { name: 'Choice', exact: true }).click();
      await added.getByLabel('Options, one per line').fill('Personal injury\nFamily law\n\nFamily law');
      await added.getByText('Required', { exact: true }).click();
      assert.match(await added.innerText(), /Saved as\s*practice_area/);
      const preview = page.getByTestId('form-preview');
      await preview.getByText('Practice area').waitFor();
      assert.equal((await preview.locator('select, [id^="preview_practice_area"]').count()) > 0, true);
      await page.screenshot({ path: path.join(ARTIFACTS, 'form-builder.png'), fullPage: true });
      await page.locator('label[for="active"]').click();
      await Promise.all([
        page.waitForResponse((r) => r.url().includes('/actions/new') && r.request().method() === 'POST'),
        page.getByRole('button', { name: 'Save' }).click(),
      ]);
      const [stored] = await t.db.unit({ role: 'connection' }, () =>
        t.db.rows<{
          fields: { properties: Record<string, { enum?: string[] }>; required: string[]; 'x-plinth-order': string[] };
        }>(`SELECT fields FROM ${FORMS} WHERE slug = 'consultation'`),
      );
      assert.ok(stored, 'the form was saved');
      assert.deepEqual(stored.fields['x-plinth-order'], ['name', 'email', 'phone', 'message', 'practice_area']);
      assert.deepEqual(stored.fields.properties.practice_area.enum, ['Personal injury', 'Family law']);
      assert.deepEqual([...stored.fields.required].sort(), ['email', 'name', 'practice_area']);

      const [{ id }] = await t.db.unit({ role: 'connection' }, () =>
        t.db.rows<{ id: string }>(`SELECT id FROM ${FORMS} WHERE slug = 'consultation'`),
      );
      await page.goto(`${base}/admin/resources/contact-forms.contact_forms/records/${id}/show`);
      await page.getByTestId('form-share').waitFor({ timeout: 20_000 });
      assert.equal(await page.getByTestId('form-url').inputValue(), `${base}/forms/contact-forms/firm/consultation`);
      assert.match(
        await page.getByTestId('form-embed').inputValue(),
        new RegExp(`^<iframe src="${base}/forms/contact-forms/firm/consultation" title="Free consultation"`),
      );
      assert.match(
        await page.getByTestId('form-fields').innerText(),
        /Practice area: Choice, required \(Personal injury, Family law\)/,
      );
      await page.screenshot({ path: path.join(ARTIFACTS, 'form-share.png'), fullPage: true });
    });

    it("takes a lead through the snippet on another site's page, and the person arrives as a contact", async () => {
      const snippet = await page.getByTestId('form-embed').inputValue();
      site = http.createServer((_req, res) =>
        res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><h1>Our firm</h1>${snippet}`),
      );
      await new Promise<void>((resolve) => site.listen(0, 'localhost', resolve));
      const visitor = await (await browser.newContext({ viewport: { width: 390, height: 900 } })).newPage();
      await visitor.goto(`http://localhost:${(site.address() as { port: number }).port}/contact`);
      const frame = (await (await visitor.waitForSelector('iframe')).contentFrame()) as Frame;
      await frame.waitForSelector('#web-form');
      await frame.getByLabel('Name').fill('Rosa Delgado');
      await frame.getByLabel('Email').fill('Rosa.Delgado@Example.com');
      await frame.getByLabel('Phone').fill('(415) 555-0142');
      await frame.getByLabel('How can we help?').fill('I slipped in a supermarket.');
      await frame.getByLabel('Practice area').selectOption('Personal injury');
      await frame.getByRole('button', { name: 'Send' }).click();
      await frame.locator('#outcome.done, #outcome.error').waitFor({ timeout: 20_000 });
      await visitor.screenshot({ path: path.join(ARTIFACTS, 'form-page-embedded.png'), fullPage: true });
      assert.match(await frame.locator('#outcome').innerText(), /Thank you/);
      assert.equal(
        await visitor.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
        true,
        'the form fits a phone',
      );
      await visitor.screenshot({ path: path.join(ARTIFACTS, 'form-page-embedded.png'), fullPage: true });

      const [submission] = await t.db.unit({ role: 'connection' }, () =>
        t.db.rows<{ data: Record<string, string>; page: string }>('SELECT data, page FROM mod_contact_forms.contact_submissions'),
      );
      assert.equal(submission.data.practice_area, 'Personal injury');
      // Browsers tell a framed page only the origin of the site around it (strict-origin-when-cross-origin).
      assert.match(submission.page, /^http:\/\/localhost:\d+\/(contact)?$/, 'the page is the site the form sat on');
      await page.goto(`${base}/admin/resources/contacts`);
      await page.getByText('Rosa Delgado').waitFor({ timeout: 20_000 });
      const row = page.locator('tr', { hasText: 'Rosa Delgado' });
      assert.match(await row.innerText(), /rosa\.delgado@example\.com/i);

      // Submissions name their form and their contact, not two UUIDs.
      await page.goto(`${base}/admin/resources/contact-forms.contact_submissions`);
      const listed = page.locator('tbody tr').first();
      await listed.getByText('Rosa Delgado').waitFor({ timeout: 20_000 });
      const cells = await listed.innerText();
      assert.match(cells, /Free consultation/);
      assert.doesNotMatch(cells, /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
      await page.screenshot({ path: path.join(ARTIFACTS, 'form-submissions.png') });
    });

    it('shows a problem of the form beside the builder before anything is saved', async () => {
      await page.goto(`${base}/admin/resources/contact-forms.contact_forms/actions/new`);
      const builder = page.getByTestId('form-builder');
      await builder.waitFor({ timeout: 20_000 });
      await builder.getByRole('button', { name: 'Remove Email' }).click();
      await builder.getByRole('button', { name: 'Remove Phone' }).click();
      assert.match(await page.getByTestId('builder-problem').innerText(), /Add an Email or a Phone field/);
      await page.fill('input#name', 'No way to reach');
      await page.fill('input#slug', 'unreachable');
      await page.locator('label[for="active"]').click();
      await page.getByRole('button', { name: 'Save' }).click();
      await page
        .getByText(/needs a field named "email" or "phone"/)
        .first()
        .waitFor({ timeout: 20_000 });
      assert.ok(!(await forms()).some((f) => f.slug === 'unreachable'));
    });
  });
});

/** What a manifest's `webForm` names must exist, be of the right type, and post to a public route. */
describe('web form declarations in manifests', () => {
  const manifest = (webForm: object, routeAuth = 'public'): PluginManifest =>
    ({
      id: 'acme-forms',
      name: 'Acme Forms',
      version: '1.0.0',
      engine: '^0.1.0',
      description: 'Forms of our own.',
      vendor: { name: 'Acme' },
      capabilities: { requires: [], provides: [] },
      tables: [
        {
          name: 'forms',
          schema: {
            type: 'object',
            properties: {
              slug: { type: 'string' },
              fields: { type: 'object', 'x-plinth-json-schema': true },
              loose: { type: 'object' },
              active: { type: 'boolean' },
            },
          },
          webForm,
        },
      ],
      routes: [{ method: 'POST', path: '/:workspace/:form', handler: 'submit.js', auth: routeAuth }],
      pricing: { model: 'free' },
    }) as unknown as PluginManifest;

  const problems = (m: PluginManifest): string[] => {
    try {
      validateManifest(m, 'manifest.json', { engineVersion: '0.1.0' });
      return [];
    } catch (err) {
      return (err as { problems: { path: string; message: string }[] }).problems.map((p) => `${p.path}: ${p.message}`);
    }
  };

  it('accepts a declaration whose columns and route fit', () => {
    assert.deepEqual(problems(manifest({ route: '/:workspace/:form', slug: 'slug', fields: 'fields', active: 'active' })), []);
  });

  it('names each column, type and route at fault', () => {
    assert.deepEqual(problems(manifest({ route: '/:workspace/:form', slug: 'name', fields: 'loose', active: 'slug' })), [
      '/tables/0/webForm/slug: "name" is not a column of table "forms"',
      '/tables/0/webForm/active: column "slug" is of type "string", not "boolean"',
      '/tables/0/webForm/fields: column "loose" must say "x-plinth-json-schema": true',
    ]);
    assert.deepEqual(problems(manifest({ route: '/:workspace/:form', slug: 'slug', fields: 'fields' }, 'hmac')), [
      '/tables/0/webForm/route: route "/:workspace/:form" must be public: people post the form from the web',
    ]);
    const pointing = manifest({ route: '/:workspace/:form', slug: 'slug', fields: 'fields' });
    Object.assign(pointing.tables![0].schema.properties, { owner: { type: 'string', 'x-plinth-references': 'invoices' } });
    assert.deepEqual(problems(pointing), [
      '/tables/0/schema/properties/owner/x-plinth-references: "invoices" is neither contacts, users, workspaces nor a table of this module',
    ]);
    assert.deepEqual(problems(manifest({ route: '/:workspace/other', slug: 'slug', fields: 'fields' })), [
      '/tables/0/webForm/route: no POST route "/:workspace/other" in this manifest',
    ]);
  });
});
