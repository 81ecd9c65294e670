import assert from 'node:assert/strict';
import { Validator } from '@seriousme/openapi-schema-validator';
import { apiServer, type ApiServer } from './support/api-client.js';
import { casesPlugin } from './support/cases-plugin.js';
import { envFor, plinth } from './support/cli.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';
import { actor, testPlatform, type TestPlatform } from './support/platform.js';

/** The workspace's OpenAPI document: generated, valid OpenAPI 3.1, following its modules, and the gate every request passes. */
describe(`workspace API: OpenAPI (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let p: TestPlatform;
  let api: ApiServer;
  let token: string;

  const spec = async () => {
    const answer = await api.call('GET', '/api/v1/oa-a/openapi.json', token);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body;
  };
  const valid = async (document: Record<string, unknown>) => {
    const result = await new Validator().validate(document);
    assert.ok(result.valid, JSON.stringify(result.errors, null, 1)?.slice(0, 3000));
  };

  before(async () => {
    t = await freshDatabase();
    const a = await t.entities.workspaces.create({ slug: 'oa-a', name: 'OpenAPI A' });
    await t.entities.workspaces.create({ slug: 'oa-b', name: 'OpenAPI B' });
    p = testPlatform(t);
    await p.add(casesPlugin(), 'acme-cases', ['oa-b']);
    token = (
      await t.entities.apiTokens.create(a.id, {
        name: 't',
        scopes: ['contacts:read', 'events:read', 'acme-cases:cases:read'],
        createdBy: 'test',
      })
    ).plaintext;
    api = await apiServer(p);
  });
  after(async () => {
    api?.close();
    await t?.drop();
  });

  it("is valid OpenAPI 3.1 with the shell's endpoints, and a module's tables only once it is enabled in the workspace", async () => {
    const before = await spec();
    await valid(before);
    assert.equal(before.openapi, '3.1.0');
    assert.deepEqual(before.servers, [{ url: '/api/v1/oa-a' }]);
    assert.ok(before.paths['/contacts'].get.parameters.some((q: { name: string }) => q.name === 'leadScore.gte'));
    assert.equal(before.paths['/modules/acme-cases/cases'], undefined, 'enabled in another workspace only');
    const outside = await api.call('GET', '/api/v1/oa-a/modules/acme-cases/cases', token);
    assert.equal(outside.status, 404);

    await p.marketplace.lifecycle.enable('acme-cases', 'oa-a', undefined, actor);
    const after = await spec();
    await valid(after);
    const list = after.paths['/modules/acme-cases/cases'].get;
    assert.equal(list['x-plinth-scope'], 'acme-cases:cases:read');
    const names = list.parameters.map((q: { name: string }) => q.name);
    for (const name of ['limit', 'cursor', 'sort', 'fields', 'stage.in', 'amount.gte', 'due_at.lt', 'tags.has'])
      assert.ok(names.includes(name), name);
    assert.ok(!names.some((n: string) => n.startsWith('private_note')), 'a hidden column is not offered');
    const row = after.components.schemas['acme-cases.cases'];
    assert.ok(row.properties.title && !row.properties.private_note);
    assert.equal((await api.call('GET', '/api/v1/oa-a/modules/acme-cases/cases?stage.eq=open', token)).status, 200);

    await p.marketplace.lifecycle.disable('acme-cases', 'oa-a', actor);
    assert.equal((await spec()).paths['/modules/acme-cases/cases'], undefined);
  });

  it('refuses a request outside the document with 400 naming the parameter or member, before anything is read', async () => {
    const cases: [string, string][] = [
      ['/contacts?limit=many', 'limit'],
      ['/contacts?colour=red', 'colour'],
      ['/contacts?warmth.eq=tepid', 'warmth.eq'],
      ['/contacts?leadScore.in=1,x', 'leadScore.in'],
      ['/events?contact=nobody', 'contact'],
    ];
    for (const [path, name] of cases) {
      const answer = await api.call('GET', `/api/v1/oa-a${path}`, token);
      assert.equal(answer.status, 400, `${path}: ${JSON.stringify(answer.body)}`);
      assert.match(answer.type, /^application\/problem\+json/);
      assert.deepEqual(
        answer.body.errors.map((e: { name: string }) => e.name),
        [name],
        path,
      );
    }
  });

  it('`plinth api spec` prints the document the API serves', async () => {
    const run = await plinth(['api', 'spec', '--workspace', 'oa-a'], envFor(t.config));
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), await spec());
    const unknown = await plinth(['api', 'spec', '--workspace', 'oa-nowhere'], envFor(t.config));
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /oa-nowhere/);
  });
});
