import assert from 'node:assert/strict';
import { envFor, plinth } from './support/cli.js';
import { onServer, rowCounts, uniqueSlug } from './support/database.js';
import type { TestDatabase } from './support/database.js';
import { sharedDatabase } from './support/shared.js';

describe(`the plinth CLI (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    t = await sharedDatabase();
    env = envFor(t.config);
  });

  it('doctor passes on a migrated database', async () => {
    const run = await plinth(['doctor'], env);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /ok\s+database\s+reachable/);
    assert.match(run.stdout, /ok\s+migrations\s+current/);
    assert.match(run.stdout, new RegExp(`ok\\s+ownership\\s+every shell table is owned by ${t.db.roles.owner}`));
  });

  it('doctor against an unreachable server says what is wrong and exits non-zero', async () => {
    const run = await plinth(['doctor'], { ...env, DATABASE_URL: 'postgres://postgres:secret@127.0.0.1:1/nowhere' });
    assert.equal(run.code, 1);
    assert.match(run.stdout, /FAIL\s+database\s+unreachable: connect ECONNREFUSED 127\.0\.0\.1:1/);
    assert.ok(!run.stdout.includes('secret'), 'the password in the URL is not printed');
  });

  it('migrate status lists the executed migrations', async () => {
    const run = await plinth(['migrate', 'status'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /executed\s+0001-workspaces-users/);
    assert.doesNotMatch(run.stdout, /pending/);
  });

  it('creates a workspace, a user with a password from stdin, and grants a role', async () => {
    const slug = uniqueSlug('cli');
    const email = `${slug}@example.com`;
    assert.equal((await plinth(['workspace', 'create', slug, '--name', 'From the CLI'], env)).code, 0);
    const created = await plinth(['user', 'create', email, '--name', 'Cli', '--password-stdin'], env, 'a password from stdin\n');
    assert.equal(created.code, 0, created.stderr);
    assert.doesNotMatch(created.stdout, /password:/, 'a given password is not echoed');
    const granted = await plinth(['user', 'grant', email, slug, 'admin'], env);
    assert.equal(granted.code, 0, granted.stderr);
    const user = await t.entities.users.verifyPassword(email, 'a password from stdin');
    assert.ok(user);
    assert.equal(await t.entities.users.roleIn(user.id, (await t.entities.workspaces.bySlug(slug)).id), 'admin');
    const changed = await plinth(['user', 'passwd', email], env);
    const generated = /password: (\S+)/.exec(changed.stdout)?.[1];
    assert.ok(generated, 'a generated password is printed once');
    assert.ok(await t.entities.users.verifyPassword(email, generated));
  });

  it('refuses bad input with a clear message and a non-zero exit, writing nothing', async () => {
    const before = await rowCounts(t.db);
    const cases: [string[], RegExp][] = [
      [['workspace', 'create', 'Bad Slug', '--name', 'x'], /^error: slug: "Bad Slug" is not a slug/],
      [['workspace', 'create', uniqueSlug('orphan'), '--name', 'x', '--parent', 'nope'], /^error: workspace "nope" not found/],
      [['user', 'grant', 'nobody@example.com', 'nope', 'admin'], /^error: user "nobody@example.com" not found/],
      [['user', 'create', 'not-an-email'], /^error: email: "not-an-email" is not an email address/],
    ];
    for (const [args, message] of cases) {
      const run = await plinth(args, env);
      assert.equal(run.code, 1, args.join(' '));
      assert.match(run.stderr, message);
    }
    assert.deepEqual(await rowCounts(t.db), before);
  });
});
