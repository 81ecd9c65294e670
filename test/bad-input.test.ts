import assert from 'node:assert/strict';
import { AdminClient, adminApp, serveLocally } from './support/admin.js';
import { freshDatabase, onServer, rowCounts, type TestDatabase } from './support/database.js';
import { routeServer, type RouteServer } from './support/modules.js';
import { actor, testPlatform, type TestPlatform } from './support/platform.js';
import { pluginDir } from './support/plugins.js';

const PASSWORD = 'correct horse battery';
const TABLES = [
  'contacts',
  'mod_ledger.notes',
  'mod_contact_forms.contact_forms',
  'mod_contact_forms.contact_submissions',
  'events',
  'themes',
  'layout_definitions',
  'module_installations',
];
const INTAKE = {
  slug: 'intake',
  name: 'Intake',
  active: true,
  fields: { type: 'object', properties: { name: { type: 'string' }, email: { type: 'string' }, message: {} } },
};

/** JSON text of `depth` nested arrays: `[[[]]]`. */
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

type Answer = { status: number; body: any };
const answer = async (res: Response): Promise<Answer> => ({
  status: res.status,
  body: res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text(),
});

/**
 * Input no screen would send, sent to the real admin and the real public routes: malformed list
 * filters, field names that would reach Object.prototype, JSON nested thousands deep. Each is
 * answered 400 with a message naming the field at fault, never 500, and nothing is written.
 */
describe(`bad input is refused with 400, naming the field (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let p: TestPlatform;
  let http: RouteServer;
  let close: () => void;
  let c: AdminClient;
  let contactId: string;
  let noteId: string;
  let address = 10;

  const counts = () => rowCounts(t.db, TABLES);
  /** Sends bad input: 400, a message naming what was wrong, nothing written. The refusal's body. */
  const refused = async (send: () => Promise<Answer>, mention: RegExp): Promise<{ error: string; path?: string }> => {
    const before = await counts();
    const { status, body } = await send();
    assert.equal(status, 400, JSON.stringify(body));
    assert.match(body.error, mention);
    assert.deepEqual(await counts(), before, 'nothing was written');
    return body;
  };
  const list = (resource: string, query: string) => c.json(`/admin/api/resources/${resource}/actions/list?${query}`);
  const form = async (path: string, fields: Record<string, string>) => answer(await c.post(path, fields));
  const multipart = async (path: string, fields: Record<string, string>) => {
    const body = new FormData();
    for (const [name, value] of Object.entries(fields)) body.append(name, value);
    return answer(await c.request(path, { method: 'POST', body }));
  };
  const submit = async (body: string) =>
    answer(await http.post('/m/contact-forms/bad-input/intake', body, {}, `127.0.2.${address++}`));

  before(async () => {
    t = await freshDatabase();
    p = testPlatform(t);
    const ws = await t.entities.workspaces.create({ slug: 'bad-input', name: 'Bad Input' });
    await t.entities.users.create({ email: 'owner@bad.test', password: PASSWORD });
    await t.entities.users.grant({ email: 'owner@bad.test', workspace: ws.slug, role: 'owner' });
    await p.marketplace.registry.registerBundled();
    await p.marketplace.lifecycle.install('contact-forms', undefined, actor);
    await p.marketplace.lifecycle.enable('contact-forms', ws.slug, undefined, actor);
    await p.runtime.run('contact-forms', { workspaceId: ws.id }, (ctx) => ctx.models.contact_forms.create(INTAKE));
    // A module table with a column of every type a manifest can declare.
    const ledger = pluginDir('ledger', (m) => {
      Object.assign(m.tables[0].schema.properties, {
        amount: { type: 'number' },
        units: { type: 'integer' },
        due: { type: 'string', format: 'date' },
        at: { type: 'string', format: 'date-time' },
        settled: { type: 'boolean' },
        extra: { type: 'object' },
      });
    });
    await p.add(ledger, 'ledger', [ws.slug]);
    noteId = await p.runtime.run('ledger', { workspaceId: ws.id }, async (ctx) => {
      const row = await ctx.models.notes.create({
        title: 'kept',
        amount: 12.5,
        units: 3,
        due: '2024-05-31',
        at: '2024-05-31T09:30:00Z',
        settled: true,
      });
      return String(row.get('id'));
    });
    contactId = (
      await t.entities.contacts.upsert(ws.id, { name: 'Ada Kept', emails: ['ada@bad.test'], source: { module: 'plinth' } })
    ).contact.id;
    const admin = await serveLocally(adminApp(t, p));
    close = () => admin.server.close();
    c = new AdminClient(admin.base);
    assert.equal((await c.post('/admin/login', { email: 'owner@bad.test', password: PASSWORD })).status, 303);
    http = await routeServer(t, p);
  });
  after(async () => {
    close?.();
    http?.close();
    await t.drop();
  });

  describe('a malformed filter on a list page', () => {
    const cases: [resource: string, query: string, path: string, mention: RegExp][] = [
      ['contacts', 'filters.leadScore~~from=abc', 'filters.leadScore~~from', /"abc" is not an integer/],
      ['contacts', 'filters.leadScore~~to=1e3', 'filters.leadScore~~to', /"1e3" is not an integer/],
      ['contacts', 'filters.leadScore=2.5', 'filters.leadScore', /"2.5" is not an integer/],
      ['contacts', 'filters.leadScore=99999999999', 'filters.leadScore', /not an integer from -2147483648 to 2147483647/],
      ['contacts', 'filters.leadScore~~middle=1', 'filters.leadScore~~middle', /a range has only "from" and "to"/],
      ['contacts', 'filters.leadScore~~from=1&filters.leadScore~~from=2', 'filters.leadScore~~from.0', /a range has only/],
      ['contacts', 'filters.createdAt~~from=yesterday', 'filters.createdAt~~from', /"yesterday" is not an ISO 8601 date/],
      ['contacts', 'filters.createdAt=1', 'filters.createdAt', /"1" is not an ISO 8601 date/],
      ['contacts', 'filters.createdAt~~to=2024-02-30', 'filters.createdAt~~to', /"2024-02-30" is not an ISO 8601 date/],
      ['contacts', 'filters.nonsense=1', 'filters.nonsense', /no such property/],
      // Names every object inherits are refused before any filter of the resource's own (its search, its phones) is looked up.
      ['contacts', 'filters.constructor=1', 'filters.constructor', /a name every object inherits/],
      ['contacts', 'filters.toString=1', 'filters.toString', /a name every object inherits/],
      ['contacts', 'filters.name.first=Ada', 'filters.name.first', /no such property/],
      ['contacts', 'filters.leadScore=1&filters.leadScore=2', 'filters.leadScore.0', /no such property/],
      ['contacts', 'filters.id=not-a-uuid', 'filters.id', /"not-a-uuid" is not a UUID/],
      ['contacts', 'filters.name~~from=a', 'filters.name', /takes a value, not a range/],
      ['contacts', 'filters.metadata=x', 'filters.metadata', /cannot be filtered on/],
      ['ledger.notes', 'filters.contact_id=42', 'filters.contact_id', /"42" is not a UUID/],
      ['ledger.notes', 'filters.amount=ten', 'filters.amount', /"ten" is not a number/],
      ['ledger.notes', 'filters.units~~from=99999999999999999999', 'filters.units~~from', /from -9223372036854775808 to/],
      ['ledger.notes', 'filters.due=31/12/2024', 'filters.due', /"31\/12\/2024" is not an ISO 8601 date/],
      ['ledger.notes', 'filters.at~~to=2024-05-31T25:00:00Z', 'filters.at~~to', /is not an ISO 8601 date/],
      ['ledger.notes', 'filters.settled=maybe', 'filters.settled', /"maybe" is not true or false/],
      ['ledger.notes', 'filters.extra=x', 'filters.extra', /cannot be filtered on/],
    ];
    for (const [resource, query, path, mention] of cases) {
      it(`${resource}: ${query}`, async () => {
        const body = await refused(() => list(resource, query), mention);
        assert.equal(body.path, path);
        assert.ok(body.error.startsWith(`${path}: `), body.error);
      });
    }

    it('answers well-formed filters of every type, and an empty one filters nothing', async () => {
      const names = async (query: string) =>
        (await list('contacts', query)).body.records.map((r: { params: { name: string } }) => r.params.name);
      assert.deepEqual(await names('filters.leadScore~~from=0&filters.leadScore~~to=100'), ['Ada Kept']);
      assert.deepEqual(await names('filters.leadScore~~from=1'), []);
      assert.deepEqual(await names(`filters.createdAt~~from=2000-01-01T00:00:00.000Z&filters.id=${contactId}`), ['Ada Kept']);
      assert.deepEqual(await names('filters.leadScore=&filters.createdAt~~from=&filters.name=ada'), ['Ada Kept']);
      assert.deepEqual(await names('filters.emails=ada@bad.test'), ['Ada Kept']);
      for (const query of [
        'filters.amount=12.5',
        'filters.units~~from=3&filters.units~~to=3',
        'filters.due=2024-05-31',
        'filters.at~~from=2024-05-31T09:00:00%2B00:00&filters.at~~to=2024-05-31T10:00:00Z',
        'filters.settled=true',
        'filters.title=KEP',
      ]) {
        const found = await list('ledger.notes', query);
        assert.equal(found.status, 200, `${query}: ${JSON.stringify(found.body)}`);
        assert.deepEqual(
          found.body.records.map((r: { id: string }) => r.id),
          [noteId],
          query,
        );
      }
      assert.deepEqual((await list('ledger.notes', 'filters.amount=12.25')).body.records, []);
    });

    it('refuses a page that is not a number, and sorts by the default for a sortBy naming no column', async () => {
      assert.equal((await refused(() => list('contacts', 'perPage=abc'), /^perPage: must be a number/)).path, 'perPage');
      await refused(() => c.json('/admin/api/resources/contacts/search/Ada?page=abc'), /^page: must be a number/);
      for (const sortBy of ['constructor', 'toString', 'nonsense']) {
        const sorted = await list('contacts', `sortBy=${sortBy}&direction=asc`);
        assert.equal(sorted.status, 200, `${sortBy}: ${JSON.stringify(sorted.body)}`);
        assert.equal(sorted.body.records.length, 1);
      }
    });

    it("lets a search's free text find nothing where it cannot be of the property's type", async () => {
      for (const property of ['leadScore', 'createdAt', 'id', 'metadata', 'nonsense', 'constructor', 'toString']) {
        const found = await c.json(`/admin/api/resources/contacts/search/abc?searchProperty=${property}`);
        assert.equal(found.status, 200, property);
        assert.deepEqual(found.body.records, [], property);
      }
    });
  });

  describe('a name every object inherits, which would reach Object.prototype', () => {
    const NAMES = [
      '__proto__.x',
      'constructor.prototype.x',
      '__proto__',
      'title.__proto__.x',
      'emails.0.__proto__',
      'a~~__proto__',
      'toString',
    ];
    const NEW = '/admin/api/resources/ledger.notes/actions/new';
    const edit = () => `/admin/api/resources/contacts/records/${contactId}/edit`;
    const unpolluted = () => {
      assert.equal(({} as Record<string, unknown>).x, undefined, 'Object.prototype gained nothing');
      assert.ok(!Object.prototype.hasOwnProperty.call(Object.prototype, 'x'));
    };
    const contactUnchanged = async () => {
      const [row] = await t.db.unit({ role: 'connection' }, () =>
        t.db.rows<{ name: string }>('SELECT name FROM contacts WHERE id = $1', [contactId]),
      );
      assert.equal(row.name, 'Ada Kept');
    };

    for (const name of NAMES) {
      it(`refuses a form field named ${name} on new and edit, as a form or multipart`, async () => {
        const named = (body: { error: string; path?: string }) => {
          assert.equal(body.path, name);
          assert.ok(body.error.startsWith(`${name}: `), body.error);
        };
        const inherited = new RegExp(`"${name.split(/\.|~~/).find((part) => part in {})}" is a name every object inherits`);
        named(await refused(() => form(NEW, { title: 'polluter', [name]: 'polluted' }), inherited));
        named(await refused(() => multipart(NEW, { title: 'polluter', [name]: 'polluted' }), inherited));
        named(await refused(() => form(edit(), { name: 'Changed', [name]: 'polluted' }), inherited));
        named(await refused(() => multipart(edit(), { name: 'Changed', [name]: 'polluted' }), inherited));
        await contactUnchanged();
        unpolluted();
      });
    }

    it('refuses one anywhere in a JSON body, by the path AdminJS would flatten it to', async () => {
      for (const [raw, path] of [
        ['{"title": "polluter", "__proto__": {"x": "polluted"}}', '__proto__'],
        ['{"title": {"__proto__": {"x": "polluted"}}}', 'title.__proto__'],
        ['{"constructor": {"prototype": {"x": "polluted"}}}', 'constructor'],
        ['{"list": [{"a": 1}, {"__proto__": {"x": "polluted"}}]}', 'list.1.__proto__'],
      ]) {
        const body = await refused(() => c.send('POST', NEW, raw), /is a name every object inherits/);
        assert.equal(body.path, path, raw);
      }
      await contactUnchanged();
      unpolluted();
    });

    it('refuses one in the query string of any admin route: AdminJS unflattens queries too', async () => {
      for (const query of [
        '__proto__.x=1',
        'filters.__proto__.x=1',
        'filters.constructor.prototype.x=1',
        'filters.x~~__proto__=1',
        'filters.constructor=1',
        'filters.toString~~from=1',
      ]) {
        const body = await refused(() => list('contacts', query), /is a name every object inherits/);
        assert.equal(body.path, query.split('=')[0]);
      }
      await refused(() => form(`${NEW}?__proto__.x=1`, { title: 'polluter' }), /__proto__/);
      unpolluted();
    });

    it('refuses a name of thousands of parts, which would nest as deep', async () => {
      const name = `${'a.'.repeat(5000)}b`;
      const body = await refused(() => form(NEW, { title: 'deep', [name]: 'x' }), /at most 32 parts/);
      assert.ok(body.path!.startsWith('a.a.a.'));
      await refused(() => list('contacts', `filters.${name}=1`), /at most 32 parts/);
    });
  });

  describe('JSON nested thousands deep', () => {
    const fields = (message: string) =>
      `{"fields":{"name":"Dana","email":"dana@example.com","message":${message}},"consent":true}`;

    it('a public route refuses it from its bytes, naming the body and the limit', async () => {
      for (const depth of [10_000, 31]) {
        const body = await refused(() => submit(fields(nested(depth))), /^body: .*nested deeper than 32 levels/);
        assert.equal(body.path, 'body');
      }
    });

    it('a public route still takes JSON as deep as the limit, and brackets inside strings', async () => {
      const atLimit = await submit(`{"fields":{"x":${nested(30)}}}`);
      assert.equal(atLimit.status, 400, `refused by the form, not by the depth check: ${JSON.stringify(atLimit.body)}`);
      assert.doesNotMatch(atLimit.body.error, /deeper/);
      const before = await counts();
      const brackets = await submit(fields(JSON.stringify(`${'[{'.repeat(5000)} \\" ]`)));
      assert.equal(brackets.status, 201, JSON.stringify(brackets.body));
      assert.equal(
        (await counts())['mod_contact_forms.contact_submissions'].rows,
        before['mod_contact_forms.contact_submissions'].rows + 1,
      );
    });

    it('an admin action refuses it as a JSON body, and a JSON body that is not one', async () => {
      const NEW = '/admin/api/resources/ledger.notes/actions/new';
      const deep = await refused(
        () => c.send('POST', NEW, `{"title": ${nested(10_000)}}`),
        /^body: .*nested deeper than 32 levels/,
      );
      assert.equal(deep.path, 'body');
      await refused(() => c.send('POST', NEW, '{"title": '), /^body: is not valid JSON/);
      await refused(() => c.send('POST', NEW, '["title"]'), /^body: must be a JSON object/);
      await refused(
        () => c.send('POST', NEW, '{"title": "x"}', 'application/json; charset=utf-16le'),
        /^Content-Type: JSON is read as UTF-8 only/,
      );
    });

    it("an admin form refuses it in a JSON-text column, as the form's error on that field", async () => {
      const before = await counts();
      const res = await form('/admin/api/resources/contact-forms.contact_forms/actions/new', {
        slug: 'deep',
        name: 'Deep',
        active: 'true',
        fields: nested(10_000),
      });
      assert.equal(res.status, 200, 'AdminJS shows a field error in the form');
      assert.match(res.body.record.errors.fields.message, /nests arrays and objects deeper than 32 levels/);
      assert.deepEqual(await counts(), before);
    });

    it('the studio API refuses it, naming the body', async () => {
      for (const [method, path, raw] of [
        ['PUT', '/admin/studio/api/theme', `{"branding": ${nested(10_000)}}`],
        ['PUT', '/admin/studio/api/layouts/contacts', `{"list": ${nested(10_000)}}`],
        ['POST', '/admin/studio/api/marketplace/contact-forms/enable', `{"settings": {"x": ${nested(10_000)}}}`],
      ]) {
        const body = await refused(() => c.send(method, path, raw), /^body: .*nested deeper than 32 levels/);
        assert.equal(body.path, 'body');
      }
    });
  });
});
