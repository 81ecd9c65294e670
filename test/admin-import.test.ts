import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { AdminClient, adminApp, serveLocally } from './support/admin.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { testPlatform, type TestPlatform } from './support/platform.js';
import { pluginDir } from './support/plugins.js';

const PASSWORD = 'a long enough test password';
const CLIENTS = `Full name,E-mail,Phone,Notes
Ada Lovelace,ada@example.test,,first
Ada L.,ADA@example.test,,again
Grace Hopper,grace@example.test,,x
Nobody,,,no way to reach
`;
const HOSTILE = `"<script>alert('col')</script>",E-mail
"<img src=x onerror=alert(1)>",eve@example.test
`;

/** The admin's CSV import over HTTP: who may use it, what it refuses, and the whole flow. */
describe(`the admin's CSV import (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let p: TestPlatform;
  let server: Server;
  let base: string;
  let workspaceId: string;

  const count = async (sql: string) =>
    Number((await t.db.unit({ role: 'connection' }, () => t.db.rows<{ n: string }>(sql)))[0].n);
  const contacts = () => count(`SELECT count(*) AS n FROM contacts WHERE workspace_id = '${workspaceId}'`);
  const importsMade = () => count('SELECT count(*) AS n FROM imports');
  const stored = () => {
    const dir = path.join(t.config.dataDir, 'imports', workspaceId);
    return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  };
  const signedIn = async (email: string) => {
    const c = new AdminClient(base);
    assert.equal((await c.post('/admin/login', { email, password: PASSWORD })).status, 303);
    return c;
  };
  const upload = (
    c: AdminClient,
    text: string | Uint8Array<ArrayBuffer>,
    name = 'clients.csv',
    target = 'contacts',
    origin?: string | null,
  ) => {
    const form = new FormData();
    form.set('target', target);
    form.set('file', new Blob([text], { type: 'text/csv' }), name);
    return c.request('/admin/imports', { method: 'POST', body: form, origin });
  };
  /** The hidden fields of the page's form that posts to `action`. */
  const formFields = (html: string, action: string): Record<string, string> => {
    const form = new RegExp(`<form method="post" action="${action.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}">(.*?)</form>`).exec(
      html,
    );
    assert.ok(form, `a form posting to ${action}`);
    const fields: Record<string, string> = {};
    for (const m of form[1].matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g))
      fields[m[1]] = m[2]
        .replace(/&amp;/g, '&')
        .replace(/&quot;/g, '"')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&#39;/g, "'");
    return fields;
  };

  before(async () => {
    t = await freshDatabase();
    p = testPlatform(t);
    workspaceId = (await t.entities.workspaces.create({ slug: 'desk', name: 'Desk' })).id;
    for (const [email, role] of [
      ['owner@desk.test', 'owner'],
      ['member@desk.test', 'member'],
    ] as const) {
      await t.entities.users.create({ email, password: PASSWORD });
      await t.entities.users.grant({ email, workspace: 'desk', role });
    }
    await p.add(pluginDir('jotter'), 'jotter', ['desk']);
    ({ server, base } = await serveLocally(adminApp(t, p)));
  });
  after(async () => {
    server?.close();
    await t?.drop();
  });

  it('is refused to a member, page and upload alike, writing nothing', async () => {
    const member = await signedIn('member@desk.test');
    const page = await member.request('/admin/imports');
    assert.equal(page.status, 403);
    assert.match(await page.text(), /Only owners and admins of this workspace may import/);
    const res = await upload(member, CLIENTS);
    assert.equal(res.status, 403);
    assert.equal(await importsMade(), 0);
    assert.deepEqual(stored(), []);
  });

  it('refuses an upload or an import from another site (CSRF), writing nothing', async () => {
    const owner = await signedIn('owner@desk.test');
    const res = await upload(owner, CLIENTS, 'clients.csv', 'contacts', 'https://evil.test');
    assert.equal(res.status, 403);
    assert.match(await res.text(), /comes from https:\/\/evil\.test/);
    assert.deepEqual(stored(), []);
    const sha = 'a'.repeat(64);
    const run = await owner.post(`/admin/imports/new/${sha}/run`, { name: 'x.csv', target: 'contacts' }, 'https://evil.test');
    assert.equal(run.status, 403);
    assert.equal(await importsMade(), 0);
    assert.equal(await contacts(), 0);
  });

  it('refuses a file that is not CSV, naming it, and keeps nothing', async () => {
    const owner = await signedIn('owner@desk.test');
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]);
    const res = await upload(owner, png, 'photo.png');
    assert.equal(res.status, 400);
    const html = await res.text();
    assert.match(html, /photo\.png: is not a CSV file: binary content at byte/);
    assert.match(html, /role="alert"/);
    const ragged = await upload(owner, 'a,b\n1,2,3\n', 'ragged.csv');
    assert.equal(ragged.status, 400);
    assert.match(await ragged.text(), /ragged\.csv: is not a CSV file we can read \(line 2\)/);
    const none = await owner.request('/admin/imports', { method: 'POST', body: new FormData() });
    assert.equal(none.status, 400);
    assert.match(await none.text(), /choose a CSV file to upload/);
    assert.deepEqual(stored(), []);
    assert.equal(await importsMade(), 0);
  });

  it('refuses a file larger than the limit, saying what the limit is', async () => {
    const owner = await signedIn('owner@desk.test');
    const big = new Uint8Array(10 * 1024 * 1024 + 10).fill(97);
    const res = await upload(owner, big, 'big.csv');
    assert.equal(res.status, 400);
    assert.match(await res.text(), /file: is larger than 10 MB, the most the admin takes/);
    assert.deepEqual(stored(), []);
  });

  it('escapes hostile header names and values in the mapping and the preview', async () => {
    const owner = await signedIn('owner@desk.test');
    const res = await upload(owner, HOSTILE, '<b>evil</b>.csv');
    assert.equal(res.status, 303);
    const location = res.headers.get('location')!;
    // Map the hostile column to the contact's name, so its value is previewed.
    const page = await owner.request(`${location}&mapped=1&c0=name&c1=emails`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.doesNotMatch(html, /<script>alert|<img src=x|<b>evil/);
    assert.match(html, /&lt;script&gt;alert\(&#39;col&#39;\)&lt;\/script&gt;/);
    assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
    assert.match(html, /&lt;b&gt;evil&lt;\/b&gt;\.csv/);
    assert.match(html, /eve@example\.test/);
    assert.equal(await contacts(), 0);
  });

  it('maps by header, dry-runs, imports in the server and gives each row’s outcome', async () => {
    const owner = await signedIn('owner@desk.test');
    const res = await upload(owner, CLIENTS);
    assert.equal(res.status, 303);
    const location = res.headers.get('location')!;
    const sha = /\/new\/([0-9a-f]{64})\?/.exec(location)![1];
    const mapping = await (await owner.request(location)).text();
    // Columns map by their headers, as the CLI maps them; "Notes" names no field.
    assert.match(mapping, /<label for="c0">Full name<\/label><\/th><td><select id="c0" name="c0">.*value="name" selected/);
    assert.match(mapping, /<label for="c1">E-mail<\/label><\/th><td><select id="c1" name="c1">.*value="emails" selected/);
    assert.doesNotMatch(/<select id="c3".*?<\/select>/.exec(mapping)![0], /selected/);
    assert.match(mapping, /<td>1<\/td><td>Ada Lovelace<\/td><td>ada@example\.test<\/td>/);

    const dryRunAction = `/admin/imports/new/${sha}/dry-run`;
    const fields = formFields(mapping, dryRunAction);
    const dry = await owner.post(dryRunAction, fields);
    assert.equal(dry.status, 200);
    const report = await dry.text();
    assert.match(report, /2 created, 1 merged, 1 refused\./);
    assert.equal(await contacts(), 0, 'a dry run writes nothing');
    const csv = await owner.post(dryRunAction, { ...fields, format: 'csv' });
    assert.equal(csv.headers.get('content-type'), 'text/csv; charset=utf-8');
    const dryRows = parse<Record<string, string>>(await csv.text(), { columns: true });
    assert.deepEqual(
      dryRows.map((r) => [r.row, r.outcome, r.first_row]),
      [
        ['1', 'created', '1'],
        ['2', 'merged', '1'],
        ['3', 'created', '3'],
        ['4', 'refused', ''],
      ],
    );
    assert.equal(await importsMade(), 0);

    const run = await owner.post(`/admin/imports/new/${sha}/run`, formFields(report, `/admin/imports/new/${sha}/run`));
    assert.equal(run.status, 303);
    const importPath = run.headers.get('location')!;
    let status = '';
    for (let i = 0; i < 100 && !/4 of 4: done/.test(status); i++) {
      status = await (await owner.request(importPath)).text();
      if (!/4 of 4: done/.test(status)) await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(status, /4 of 4: done/);
    assert.match(status, /2 created, 1 merged, 1 refused\./);
    assert.equal(await contacts(), 2);
    const outcomes = await owner.request(`${importPath}/outcomes.csv`);
    assert.match(outcomes.headers.get('content-disposition')!, /attachment; filename="?import-[0-9a-f-]+-outcomes\.csv"?$/);
    const rows = parse<Record<string, string>>(await outcomes.text(), { columns: true });
    assert.deepEqual(
      rows.map((r) => [r.row, r.outcome, r.first_row]),
      dryRows.map((r) => [r.row, r.outcome, r.first_row]),
    );
    assert.match(rows[3].reason, /email or phone/);

    const list = await (await owner.request('/admin/imports')).text();
    assert.match(list, /clients\.csv<\/td><td>contacts<\/td><td>owner@desk\.test<\/td><td>4 of 4<\/td><td>done/);
  });

  it('imports into a module table, refusing a row its manifest refuses', async () => {
    const owner = await signedIn('owner@desk.test');
    const res = await upload(owner, `Title,Body\nFirst,one\n${'x'.repeat(201)},two\n`, 'notes.csv', 'jotter.notes');
    assert.equal(res.status, 303);
    const location = res.headers.get('location')!;
    const sha = /\/new\/([0-9a-f]{64})\?/.exec(location)![1];
    const mapping = await (await owner.request(location)).text();
    const run = await owner.post(`/admin/imports/new/${sha}/run`, formFields(mapping, `/admin/imports/new/${sha}/run`));
    assert.equal(run.status, 303);
    let status = '';
    for (let i = 0; i < 100 && !/2 of 2: done/.test(status); i++) {
      status = await (await owner.request(run.headers.get('location')!)).text();
      if (!/2 of 2: done/.test(status)) await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(status, /1 created, 0 merged, 1 refused\./);
    assert.equal(await count('SELECT count(*) AS n FROM mod_jotter.notes'), 1);
  });

  it('resumes an import the server stopped, from its page', async () => {
    const owner = await signedIn('owner@desk.test');
    const text = 'E-mail\nr1@example.test\nr2@example.test\nr3@example.test\n';
    const res = await upload(owner, text, 'resume.csv');
    const sha = /\/new\/([0-9a-f]{64})\?/.exec(res.headers.get('location')!)![1];
    // As a server killed after the first batch leaves it: one batch committed, the import still running.
    const plan = await p.imports.plan({
      workspaceId,
      source: { path: path.join(t.config.dataDir, 'imports', workspaceId, `${sha}.csv`), name: 'resume.csv' },
    });
    let stopped = '';
    await assert.rejects(
      p.imports.run(plan, {
        batchSize: 1,
        createdBy: 'owner@desk.test',
        onProgress: ({ importId, done }) => {
          stopped = importId;
          if (done === 1) throw new Error('killed');
        },
      }),
      /killed/,
    );
    const page = await (await owner.request(`/admin/imports/${stopped}`)).text();
    assert.match(page, /1 of 3: stopped/);
    const resume = await owner.post(`/admin/imports/${stopped}/resume`, {});
    assert.equal(resume.status, 303);
    let status = '';
    for (let i = 0; i < 100 && !/3 of 3: done/.test(status); i++) {
      status = await (await owner.request(`/admin/imports/${stopped}`)).text();
      if (!/3 of 3: done/.test(status)) await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(status, /3 created, 0 merged, 0 refused\./);
  });
});
