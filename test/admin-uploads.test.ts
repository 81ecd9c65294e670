import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import { AdminClient, adminApp, serveLocally } from './support/admin.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { testPlatform, type TestPlatform } from './support/platform.js';
import { pluginDir } from './support/plugins.js';

const PASSWORD = 'a long enough test password';
const NEW_NOTE = '/admin/api/resources/jotter.notes/actions/new';
const FIVE_MB = Buffer.alloc(5 * 1024 * 1024, 120);

/** What formidable names the temporary files it writes. */
const leftovers = () => fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith('upload_'));

/**
 * Uploads to the admin: no action takes a file, so none is written to disk, whoever sends it; a
 * member, who may change nothing, is refused before the body is read at all.
 */
describe(`uploads to the admin (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let p: TestPlatform;
  let server: Server;
  let base: string;

  const notes = async () =>
    Number(
      (await t.db.unit({ role: 'connection' }, () => t.db.rows<{ n: string }>('SELECT count(*) AS n FROM mod_jotter.notes')))[0]
        .n,
    );
  const signedIn = async (email: string) => {
    const c = new AdminClient(base);
    assert.equal((await c.post('/admin/login', { email, password: PASSWORD })).status, 303);
    return c;
  };
  const withFile = () => {
    const form = new FormData();
    form.set('title', 'Uploaded note');
    form.set('photo', new Blob([FIVE_MB], { type: 'image/png' }), 'photo.png');
    return form;
  };

  before(async () => {
    t = await freshDatabase();
    p = testPlatform(t);
    await t.entities.workspaces.create({ slug: 'desk', name: 'Desk' });
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

  it('refuses a member’s 5 MB multipart POST before reading it, and leaves no file behind', async () => {
    const before = leftovers();
    const member = await signedIn('member@desk.test');
    const res = await member.request(NEW_NOTE, { method: 'POST', body: withFile() });
    assert.equal(res.status, 403);
    assert.match((await res.json()).error, /lets you read, not change anything/);
    assert.deepEqual(leftovers(), before);
    assert.equal(await notes(), 0);
  });

  it('refuses a file from an owner too, naming its field, with no file on disk and nothing written', async () => {
    const before = leftovers();
    const owner = await signedIn('owner@desk.test');
    const res = await owner.request(NEW_NOTE, { method: 'POST', body: withFile() });
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), { error: 'photo: this action takes no files', code: 'invalid_input', path: 'photo' });
    const raw = await owner.request(NEW_NOTE, {
      method: 'POST',
      body: FIVE_MB,
      headers: { 'content-type': 'application/octet-stream' },
    });
    assert.equal(raw.status, 400);
    assert.match((await raw.json()).error, /^Content-Type: this action takes no files/);
    assert.deepEqual(leftovers(), before);
    assert.equal(await notes(), 0);
  });

  it('still takes the form an owner fills in (multipart, no file)', async () => {
    const owner = await signedIn('owner@desk.test');
    const form = new FormData();
    form.set('title', 'Typed note');
    const res = await owner.request(NEW_NOTE, { method: 'POST', body: form });
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.record.params.title, 'Typed note', JSON.stringify(body));
    assert.equal(await notes(), 1);
  });
});
