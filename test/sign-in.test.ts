import assert from 'node:assert/strict';
import http, { type Server } from 'node:http';
import { AdminClient, adminApp, serveLocally } from './support/admin.js';
import { plinth, envFor } from './support/cli.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { testPlatform, type TestPlatform } from './support/platform.js';

const PASSWORD = 'a long enough test password';
const NEW_PASSWORD = 'another long enough test password';
const LIST = '/admin/api/resources/contacts/actions/list';

/** A sign-in posted from a loopback address of the caller's choice: limits count per address. */
function signInFrom(base: string, from: string, email: string, password: string): Promise<{ status: number; cookie: string }> {
  return new Promise((resolve, reject) => {
    const body = new URLSearchParams({ email, password }).toString();
    const req = http.request(
      `${base}/admin/login`,
      {
        method: 'POST',
        localAddress: from,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), origin: base },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, cookie: String(res.headers['set-cookie'] ?? '').split(';')[0] }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Sign-in that holds: limits that parallel guesses cannot outrun, that a stranger cannot turn
 * against the owner, and sessions that end when the access they were opened with ends, in
 * every web process.
 */
describe(`sign-in limits and sessions (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let p: TestPlatform;
  let one: { server: Server; base: string };
  let two: { server: Server; base: string };
  const limits = { perPair: 5, perAccount: 100, perAddress: 100, windowMs: 60_000 };

  const failures = async (key: string) =>
    Number(
      (
        await t.db.unit({ role: 'connection' }, () =>
          t.db.rows<{ n: string }>('SELECT coalesce(max(failures), 0) AS n FROM login_failures WHERE key = $1', [key]),
        )
      )[0].n,
    );

  before(async () => {
    t = await freshDatabase();
    p = testPlatform(t);
    await t.entities.workspaces.create({ slug: 'office', name: 'Office' });
    for (const email of ['owner@office.test', 'clerk@office.test']) {
      await t.entities.users.create({ email, password: PASSWORD });
      await t.entities.users.grant({ email, workspace: 'office', role: email.startsWith('owner') ? 'owner' : 'member' });
    }
    // Two web processes over one database: each keeps its own reading of sessions and roles.
    one = await serveLocally(adminApp(t, p, { limits }));
    two = await serveLocally(adminApp(t, p, { limits }));
  });
  afterEach(() => t.db.app(null, () => t.db.exec('DELETE FROM login_failures')));
  after(async () => {
    one?.server.close();
    two?.server.close();
    await t?.drop();
  });

  it('checks at most the limit of 50 parallel wrong passwords for one account; its owner signs in from elsewhere meanwhile', async () => {
    const guesses = Array.from({ length: 50 }, (_, i) =>
      signInFrom(one.base, '127.0.0.2', 'owner@office.test', `guess number ${i}`),
    );
    const owner = signInFrom(one.base, '127.0.0.3', 'owner@office.test', PASSWORD);
    const statuses = (await Promise.all(guesses)).map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 401).length, limits.perPair, 'evaluated: the limit, no more');
    assert.equal(statuses.filter((s) => s === 429).length, 50 - limits.perPair);
    assert.equal(await failures('pair:owner@office.test 127.0.0.2'), limits.perPair);
    assert.equal((await owner).status, 303, 'the owner, from another address, is let in');
    assert.equal((await signInFrom(one.base, '127.0.0.3', 'owner@office.test', PASSWORD)).status, 303, 'and again');
    const refused = await signInFrom(one.base, '127.0.0.2', 'owner@office.test', PASSWORD);
    assert.equal(refused.status, 429, 'the guessing address waits, even with the right password');
  });

  it('locks the whole account only at its much higher limit, and one address over every account it tries', async () => {
    const tight = await serveLocally(adminApp(t, p, { limits: { perPair: 2, perAccount: 3, perAddress: 4, windowMs: 60_000 } }));
    try {
      for (const from of ['127.0.0.4', '127.0.0.5'])
        for (let i = 0; i < 2; i++) await signInFrom(tight.base, from, 'owner@office.test', 'nope nope');
      assert.equal(
        (await signInFrom(tight.base, '127.0.0.6', 'owner@office.test', PASSWORD)).status,
        429,
        'account-wide, past 3',
      );
      for (let i = 0; i < 4; i++) await signInFrom(tight.base, '127.0.0.7', `nobody${i}@office.test`, 'nope nope');
      assert.equal((await signInFrom(tight.base, '127.0.0.7', 'clerk@office.test', PASSWORD)).status, 429, 'the address, past 4');
      assert.equal((await signInFrom(tight.base, '127.0.0.8', 'clerk@office.test', PASSWORD)).status, 303);
    } finally {
      tight.server.close();
    }
  });

  /** The clerk signed in, with the same session read by both web processes. */
  async function clerkInBoth(): Promise<[AdminClient, AdminClient]> {
    const signedIn = await signInFrom(one.base, '127.0.0.1', 'clerk@office.test', PASSWORD);
    assert.equal(signedIn.status, 303);
    const [a, b] = [new AdminClient(one.base), new AdminClient(two.base)];
    a.cookie = b.cookie = signedIn.cookie;
    for (const c of [a, b]) assert.equal((await c.request(LIST)).status, 200);
    return [a, b];
  }

  const refused = async (clients: AdminClient[], what: string) => {
    for (const [i, c] of clients.entries()) {
      const status = (await c.request(LIST)).status;
      assert.ok(status === 401 || status === 403, `after ${what}, process ${i + 1} answered ${status}`);
    }
  };

  it('ends every session of a user whose password changed, in every web process', async () => {
    const clients = await clerkInBoth();
    await t.entities.users.setPassword('clerk@office.test', NEW_PASSWORD);
    await refused(clients, 'a password change');
    assert.equal((await signInFrom(one.base, '127.0.0.1', 'clerk@office.test', NEW_PASSWORD)).status, 303);
    await t.entities.users.setPassword('clerk@office.test', PASSWORD);
  });

  it('ends the sessions of a disabled user, who cannot sign in until enabled again (CLI)', async () => {
    const clients = await clerkInBoth();
    const env = envFor(t.config);
    const disabled = await plinth(['user', 'disable', 'clerk@office.test'], env);
    assert.equal(disabled.code, 0, disabled.stderr);
    await refused(clients, 'a disable');
    assert.equal((await signInFrom(one.base, '127.0.0.1', 'clerk@office.test', PASSWORD)).status, 401);
    assert.equal((await plinth(['user', 'enable', 'clerk@office.test'], env)).code, 0);
    assert.equal((await signInFrom(one.base, '127.0.0.1', 'clerk@office.test', PASSWORD)).status, 303);
  });

  it('ends access on the next request after a revoke, in every web process (CLI); a revoke of nothing is refused', async () => {
    const clients = await clerkInBoth();
    const env = envFor(t.config);
    const revoked = await plinth(['user', 'revoke', 'clerk@office.test', '--workspace', 'office'], env);
    assert.equal(revoked.code, 0, revoked.stderr);
    await refused(clients, 'a revoke');
    const again = await plinth(['user', 'revoke', 'clerk@office.test', '--workspace', 'office'], env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /membership "clerk@office\.test in office" not found/);
    await t.entities.users.grant({ email: 'clerk@office.test', workspace: 'office', role: 'member' });
  });

  it("lists a user's sessions and ends them all (CLI)", async () => {
    const clients = await clerkInBoth();
    const env = envFor(t.config);
    const listed = await plinth(['user', 'sessions', 'clerk@office.test'], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /office\s+until \d{4}-/);
    const ended = await plinth(['user', 'sessions', 'clerk@office.test', '--end'], env);
    assert.match(ended.stdout, /ended [1-9]\d* session\(s\) of clerk@office\.test/);
    await refused(clients, 'ending the sessions');
    assert.match((await plinth(['user', 'sessions', 'clerk@office.test'], env)).stdout, /has no session/);
  });
});
