import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { generate } from 'otplib';
import { AdminClient, adminApp, serveLocally } from './support/admin.js';
import { envFor, plinth } from './support/cli.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { testPlatform, type TestPlatform } from './support/platform.js';

const PASSWORD = 'a long enough test password';
const LIST = '/admin/api/resources/contacts/actions/list';

/**
 * Two-factor sign-in (TOTP): set up from the admin with a QR code and a first code, then asked
 * for at every sign-in; recovery codes that work once; and workspaces that require it of their
 * members and their clients' members, who are sent to set it up.
 */
describe(`two-factor sign-in (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let p: TestPlatform;
  let server: Server;
  let base: string;
  let secret: string;
  let recovery: string[];

  before(async () => {
    t = await freshDatabase();
    p = testPlatform(t);
    await t.entities.workspaces.create({ slug: 'firm', name: 'Firm' });
    await t.entities.workspaces.create({ slug: 'client', name: 'Client', parent: 'firm' });
    for (const [email, workspace, role] of [
      ['owner@firm.test', 'firm', 'owner'],
      ['partner@firm.test', 'firm', 'owner'],
      ['clerk@client.test', 'client', 'member'],
    ] as const) {
      await t.entities.users.create({ email, password: PASSWORD });
      await t.entities.users.grant({ email, workspace, role });
    }
    ({ server, base } = await serveLocally(adminApp(t, p)));
  });
  after(async () => {
    server?.close();
    await t?.drop();
  });

  const signedIn = async (email: string) => {
    const c = new AdminClient(base);
    const res = await c.post('/admin/login', { email, password: PASSWORD });
    assert.equal(res.status, 303, `sign-in of ${email}`);
    return { c, next: res.headers.get('location') };
  };

  /** Turns two-factor sign-in on from the security page, as a person would: the key shown, the app's code typed. */
  async function turnOn(c: AdminClient): Promise<{ secret: string; codes: string[] }> {
    const page = await (await c.request('/admin/security')).text();
    assert.match(page, /Two-factor sign-in for [^:]+: <strong>off<\/strong>/);
    assert.match(page, /<img src="data:image\/png;base64,/, 'a QR code to scan');
    const key = /type the key <code>([A-Z2-7]+)<\/code>/.exec(page)![1];
    const wrong = await c.post('/admin/security/two-factor', { code: '000000' });
    assert.equal(wrong.status, 400);
    assert.match(await wrong.text(), /is not the code your app shows now/);
    const again = await (await c.request('/admin/security')).text();
    const offered = /type the key <code>([A-Z2-7]+)<\/code>/.exec(again)![1];
    assert.notEqual(offered, key, 'each visit offers a fresh key');
    const on = await c.post('/admin/security/two-factor', { code: await generate({ secret: offered }) });
    assert.equal(on.status, 200);
    const codes = [...(await on.text()).matchAll(/<code>([a-z2-7]{5}-[a-z2-7]{5})<\/code>/g)].map((m) => m[1]);
    assert.equal(codes.length, 10);
    return { secret: offered, codes };
  }

  /** A code of the next time step: the one just used to turn it on is spent. */
  const nextCode = (key: string) => generate({ secret: key, epoch: Math.floor(Date.now() / 1000) + 30 });

  it('turns on from the security page with a QR code and a first code, and shows ten recovery codes once', async () => {
    const { c } = await signedIn('owner@firm.test');
    ({ secret, codes: recovery } = await turnOn(c));
    assert.match(await (await c.request('/admin/security')).text(), /<strong>on<\/strong>/);
    assert.doesNotMatch(
      await (await c.request('/admin/security')).text(),
      /<code>[a-z2-7]{5}-[a-z2-7]{5}<\/code>/,
      'never shown again',
    );
    const [row] = await t.db.unit({ role: 'connection' }, () =>
      t.db.rows<{ n: string }>(
        "SELECT count(*) AS n FROM recovery_codes r JOIN users u ON u.id = r.user_id WHERE u.email = 'owner@firm.test' AND r.code_hash ~ '^[0-9a-f]{64}$'",
      ),
    );
    assert.equal(Number(row.n), 10, 'stored hashed');
  });

  it('asks for the code at sign-in: nothing is reachable before it, a wrong or reused code is refused', async () => {
    const { c, next } = await signedIn('owner@firm.test');
    assert.equal(next, '/admin/login/code');
    assert.equal((await c.request(LIST)).status, 401, 'the password alone opens nothing');
    const wrong = await c.post('/admin/login/code', { code: '123456' });
    assert.equal(wrong.status, 401);
    assert.match(await wrong.text(), /That code is wrong, or was used already/);
    const code = await nextCode(secret);
    const right = await c.post('/admin/login/code', { code });
    assert.equal(right.status, 303);
    assert.equal((await c.request(LIST)).status, 200);
    const other = await signedIn('owner@firm.test');
    assert.equal((await other.c.post('/admin/login/code', { code })).status, 401, 'a code works once');
    assert.equal((await other.c.request(LIST)).status, 401);
  });

  it('lets a recovery code stand in for the app, once', async () => {
    const first = await signedIn('owner@firm.test');
    assert.equal((await first.c.post('/admin/login/code', { code: recovery[0].toUpperCase() })).status, 303);
    assert.equal((await first.c.request(LIST)).status, 200);
    const second = await signedIn('owner@firm.test');
    assert.equal((await second.c.post('/admin/login/code', { code: recovery[0] })).status, 401);
    assert.equal((await second.c.post('/admin/login/code', { code: recovery[1] })).status, 303, 'the others still work');
  });

  it('sends members without it to set it up once their agency requires it, and lets them in after', async () => {
    const partner = await signedIn('partner@firm.test');
    const early = await partner.c.post('/admin/security/require', { required: 'on' });
    assert.equal(early.status, 400, 'an owner without it cannot require it');
    assert.match(await early.text(), /Turn two-factor sign-in on for yourself first/);

    const owner = await signedIn('owner@firm.test');
    assert.equal((await owner.c.post('/admin/login/code', { code: recovery[2] })).status, 303);
    assert.equal((await owner.c.post('/admin/security/require', { required: 'on' })).status, 303);

    const clerk = await signedIn('clerk@client.test');
    assert.equal(clerk.next, '/admin');
    const page = await clerk.c.request('/admin');
    assert.equal(page.status, 303);
    assert.equal(page.headers.get('location'), '/admin/security', "the client's member is sent to set it up");
    const api = await clerk.c.request(LIST);
    assert.equal(api.status, 403);
    assert.match((await api.json()).error, /requires two-factor sign-in: turn it on at \/admin\/security/);
    assert.equal((await partner.c.request(LIST)).status, 403, "and so is the agency's own owner without it");
    await turnOn(clerk.c);
    assert.equal((await clerk.c.request(LIST)).status, 200);
  });

  it("turns a user's two-factor sign-in off from the CLI (a lost phone), ending their sessions", async () => {
    const owner = await signedIn('owner@firm.test');
    assert.equal((await owner.c.post('/admin/login/code', { code: recovery[3] })).status, 303);
    const env = envFor(t.config);
    const reset = await plinth(['user', 'reset-2fa', 'owner@firm.test'], env);
    assert.equal(reset.code, 0, reset.stderr);
    assert.equal((await owner.c.request(LIST)).status, 401, 'signed out');
    const back = await signedIn('owner@firm.test');
    assert.equal(back.next, '/admin', 'no code asked any more');
    assert.equal((await back.c.request('/admin')).headers.get('location'), '/admin/security', 'but firm still requires it');
    const off = await plinth(['workspace', 'require-2fa', 'firm', '--off'], env);
    assert.equal(off.code, 0, off.stderr);
    assert.equal((await back.c.request(LIST)).status, 200);
  });
});
