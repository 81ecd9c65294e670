import assert from 'node:assert/strict';
import { NotFoundError, ValidationError } from '../platform/errors/index.js';
import { envFor, plinth } from './support/cli.js';
import { onServer, rowCounts, uniqueSlug, type TestDatabase } from './support/database.js';
import { sharedDatabase } from './support/shared.js';

const STRONG = 'velvet anchor drifts past noon';

/** Weak passwords for `email`, each with the reason its refusal must name. */
function weakPasswords(email: string): [string, RegExp][] {
  const localPart = email.split('@')[0];
  return [
    [' '.repeat(10), /^password: is blank/],
    ['aaaaaaaaaa', /^password: too short: needs at least 12 characters \(has 10\)$/],
    ['1234567890', /^password: too short: needs at least 12 characters/],
    ['password12', /^password: too short: needs at least 12 characters/],
    ['Vx9#qLm2@Rt', /^password: too short: needs at least 12 characters \(has 11\)$/],
    ['é'.repeat(37), /^password: too long: at most 72 bytes \(bcrypt reads no further\)$/],
    ['aaaaaaaaaaaa', /^password: too easy to guess \(Repeated characters like "aaa" are easy to guess\)\. Add more words/],
    ['password1234', /^password: too easy to guess \(This is similar to a commonly used password\)\. /],
    [email, /^password: too easy to guess \(There should not be any personal or page related data\)\. /],
    [localPart, /^password: too easy to guess \(There should not be any personal or page related data\)\. /],
  ];
}

function refusedFor(message: RegExp): (err: Error) => boolean {
  return (err) => {
    assert.ok(err instanceof ValidationError, `expected ValidationError, got ${err.name}: ${err.message}`);
    assert.equal(err.path, 'password');
    assert.match(err.message, message);
    return true;
  };
}

describe(`the password policy (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  before(async () => {
    t = await sharedDatabase();
  });

  it('refuses a weak password for a new user, saying why, and creates no user', async () => {
    const email = `${uniqueSlug('weak-owner')}@example.com`;
    const before = await rowCounts(t.db);
    for (const [password, message] of weakPasswords(email)) {
      await assert.rejects(() => t.entities.users.create({ email, password }), refusedFor(message), JSON.stringify(password));
    }
    await assert.rejects(() => t.entities.users.byEmail(email), NotFoundError);
    assert.deepEqual(await rowCounts(t.db), before);
  });

  it('refuses a weak new password, saying why, and keeps the old one', async () => {
    const email = `${uniqueSlug('changing-owner')}@example.com`;
    await t.entities.users.create({ email, password: STRONG });
    for (const [password, message] of weakPasswords(email)) {
      await assert.rejects(() => t.entities.users.setPassword(email, password), refusedFor(message), JSON.stringify(password));
    }
    assert.ok(await t.entities.users.verifyPassword(email, STRONG), 'the old password still works');
    assert.equal(await t.entities.users.verifyPassword(email, 'password1234'), null);
  });

  it('accepts a passphrase of uncommon words', async () => {
    const email = `${uniqueSlug('strong')}@example.com`;
    const user = await t.entities.users.create({ email, password: STRONG });
    await t.entities.users.setPassword(email, 'copper kettle hums at dawn');
    assert.equal((await t.entities.users.verifyPassword(email, 'copper kettle hums at dawn'))?.id, user.id);
  });

  it('the CLI prints the refusal and exits non-zero, writing nothing', async () => {
    const env = envFor(t.config);
    const email = `${uniqueSlug('cli-weak')}@example.com`;
    const create = await plinth(['user', 'create', email, '--password-stdin'], env, 'password12\n');
    assert.equal(create.code, 1, create.stdout + create.stderr);
    assert.match(create.stderr, /^error: password: too short: needs at least 12 characters \(has 10\)$/m);
    await assert.rejects(() => t.entities.users.byEmail(email), NotFoundError);

    await t.entities.users.create({ email, password: STRONG });
    const passwd = await plinth(['user', 'passwd', email, '--password-stdin'], env, 'password1234\n');
    assert.equal(passwd.code, 1, passwd.stdout + passwd.stderr);
    assert.match(passwd.stderr, /^error: password: too easy to guess \(This is similar to a commonly used password\)\. \S/m);
    assert.ok(await t.entities.users.verifyPassword(email, STRONG), 'the old password still works');
  });
});
