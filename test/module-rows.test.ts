import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { AdminClient, adminApp, serveLocally } from './support/admin.js';
import { freshDatabase, onServer, rowCounts, type TestDatabase } from './support/database.js';
import { routeServer, type RouteServer } from './support/modules.js';
import { actor, testPlatform, type TestPlatform } from './support/platform.js';
import { pluginDir } from './support/plugins.js';

const PASSWORD = 'correct horse battery';
const FORMS = '/admin/api/resources/contact-forms.contact_forms';
const GAUGES = '/admin/api/resources/gauge.notes';
const FIELDS = {
  type: 'object',
  required: ['name', 'email'],
  properties: { name: { type: 'string' }, email: { type: 'string', format: 'email' }, message: { type: 'string' } },
};

/** What AdminJS answers a form with: the record, its errors beside the fields, and the notice. */
interface Answer {
  record: { id: string; errors: Record<string, { message: string }>; baseError: { message: string } | null };
  notice?: { type: string; message: string };
}

/**
 * Rows written in the admin to a module's tables are held to the columns its manifest declares,
 * before anything is written: a form the admin saved must be one that can take submissions.
 */
describe(`module rows written in the admin (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  let p: TestPlatform;
  let server: Server;
  let http: RouteServer;
  let admin: AdminClient;
  let ws: { id: string; slug: string };
  const tables = ['mod_contact_forms.contact_forms', 'mod_contact_forms.contact_submissions', 'mod_gauge.notes', 'contacts'];

  // Each submission from its own loopback address: the route allows five a minute per address.
  let address = 10;
  const submit = async (form: string, fields: Record<string, unknown>) => {
    const res = await http.post(`/m/contact-forms/${ws.slug}/${form}`, { fields }, {}, `127.0.2.${address++}`);
    return { status: res.status, body: (await res.json()) as { error?: string } };
  };
  const send = async (path: string, form: Record<string, string>): Promise<Answer> => {
    const res = await admin.post(path, form);
    assert.equal(res.status, 200, 'AdminJS answers a refused form with the form and its errors');
    return (await res.json()) as Answer;
  };
  /** Sends a form that must be refused, beside `property`, in words matching `message`; nothing may be written. */
  const refused = async (path: string, form: Record<string, string>, property: string, message: RegExp) => {
    const before = await rowCounts(t.db, tables);
    const answer = await send(path, form);
    assert.equal(answer.notice?.type, 'error', `${JSON.stringify(form)}: ${JSON.stringify(answer.notice)}`);
    assert.match(answer.record.errors[property]?.message ?? '', message, JSON.stringify(answer.record.errors));
    assert.deepEqual(await rowCounts(t.db, tables), before, 'nothing written');
    return answer;
  };
  const stored = async (table: string, id: string) => {
    const [row] = await t.db.unit({ role: 'connection' }, () =>
      t.db.rows<Record<string, unknown>>(`SELECT * FROM ${table} WHERE id = $1`, [id]),
    );
    return row;
  };
  const form = (slug: string, fields: unknown) => ({
    slug,
    name: 'Car accident intake',
    active: 'true',
    fields: typeof fields === 'string' ? fields : JSON.stringify(fields),
  });

  before(async () => {
    t = await freshDatabase();
    p = testPlatform(t);
    ws = await t.entities.workspaces.create({ slug: 'rows', name: 'Rows & Co' });
    await p.marketplace.registry.registerBundled();
    await p.marketplace.lifecycle.install('contact-forms', undefined, actor);
    await p.marketplace.lifecycle.enable('contact-forms', ws.slug, undefined, actor);
    const gauge = pluginDir(
      'gauge',
      (m) => {
        const table = m.tables[0];
        Object.assign(table.schema.properties, {
          level: { type: 'string', enum: ['low', 'high'] },
          code: { type: 'string', pattern: '^[A-Z]{3}$', description: 'three capital letters' },
          score: { type: 'integer', minimum: 1, maximum: 10 },
          ratio: { type: 'number', minimum: 0, maximum: 1 },
          website: { type: 'string', format: 'uri' },
          due: { type: 'string', format: 'date-time' },
          day: { type: 'string', format: 'date' },
          tags: { type: 'array', maxItems: 2, items: { type: 'string', maxLength: 5 } },
          options: { type: 'object', required: ['size'], properties: { size: { type: 'integer' } } },
        });
        table.schema.required = ['title', 'score'];
        table.onChange = 'handlers/veto.js';
      },
      {
        'handlers/veto.js': `export default async function veto(change) {
  if (change.row?.title === 'vetoed') throw new Error('the title "vetoed" is not allowed');
}
`,
      },
    );
    await p.add(gauge, 'gauge', [ws.slug]);
    await t.entities.users.create({ email: 'owner@rows.test', password: PASSWORD });
    await t.entities.users.grant({ email: 'owner@rows.test', workspace: ws.slug, role: 'owner' });
    ({ server } = await serveLocally(adminApp(t, p)));
    admin = new AdminClient(`http://127.0.0.1:${(server.address() as { port: number }).port}`);
    assert.equal((await admin.post('/admin/login', { email: 'owner@rows.test', password: PASSWORD })).status, 303);
    http = await routeServer(t, p);
  });
  after(async () => {
    server?.close();
    http?.close();
    await t.drop();
  });

  describe("the tester's broken forms", () => {
    it("refuses a slug against the manifest's pattern beside the slug, in words, and writes nothing", async () => {
      const answer = await refused(
        `${FORMS}/actions/new`,
        form('Car Accident Intake', FIELDS),
        'slug',
        /lowercase letters, digits and dashes, starting with a letter or digit/,
      );
      assert.match(answer.record.errors.slug.message, /must match the pattern the module declares, \^\[a-z0-9\]/);
      assert.deepEqual(Object.keys(answer.record.errors), ['slug'], 'the good fields are not blamed');
      assert.match(answer.notice!.message, /^slug: must match/, 'the notice says it too, not "created"');
    });

    it('refuses fields that are not a JSON Schema of an object with properties, naming what is wrong', async () => {
      await refused(
        `${FORMS}/actions/new`,
        form('names', '{"name":"text"}'),
        'fields',
        /^must be a JSON Schema of an object with properties: it does not say "type": "object"; it has no "properties" object$/,
      );
      await refused(
        `${FORMS}/actions/new`,
        form('typed', '{"type":"text"}'),
        'fields',
        /^must be a JSON Schema of an object with properties: its "type" is "text", not "object"/,
      );
      await refused(
        `${FORMS}/actions/new`,
        form('keyword', { type: 'object', properties: { email: { type: 'email' } } }),
        'fields',
        /must be a JSON Schema of an object with properties: it is not a usable JSON Schema: .*type/,
      );
      await refused(`${FORMS}/actions/new`, form('listed', '["email"]'), 'fields', /^must be object/);
    });

    it('refuses an edit that would break a form, and leaves the row as it was', async () => {
      const made = await send(`${FORMS}/actions/new`, form('kept', FIELDS));
      assert.equal(made.notice?.type, 'success', JSON.stringify(made.record.errors));
      const id = made.record.id;
      const before = await stored('mod_contact_forms.contact_forms', id);
      const edit = `${FORMS}/records/${id}/edit`;
      await refused(edit, { slug: 'Kept Form' }, 'slug', /must match the pattern/);
      await refused(edit, { fields: '{"name":"text"}' }, 'fields', /must be a JSON Schema of an object with properties/);
      await refused(edit, { fields: '{"type":"text"}' }, 'fields', /its "type" is "text"/);
      await refused(edit, { name: '' }, 'name', /must NOT have fewer than 1 characters/);
      assert.deepEqual(await stored('mod_contact_forms.contact_forms', id), before);
      assert.equal((await submit('kept', { name: 'Sam', email: 'sam@example.com' })).status, 201, 'and the form still works');
    });

    it('accepts a good form, which then takes a submission and makes the contact', async () => {
      const made = await send(`${FORMS}/actions/new`, form('car-accident-intake', FIELDS));
      assert.equal(made.notice?.type, 'success', JSON.stringify(made.record.errors));
      const res = await submit('car-accident-intake', { name: 'Dana Reyes', email: 'dana@example.com', message: 'Rear-ended.' });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const contact = await t.entities.contacts.findByIdentity(ws.id, 'email', 'dana@example.com');
      assert.equal(contact?.name, 'Dana Reyes');
    });
  });

  describe('a form stored broken (before the checks, or by the module or SQL)', () => {
    const brokenForms = async () => {
      const ids: Record<string, string> = {};
      for (const [slug, fields] of [
        ['stored-names', { name: 'text' }],
        ['stored-typed', { type: 'text' }],
        ['stored-keyword', { type: 'object', properties: { email: { type: 'email' } } }],
      ] as const) {
        ids[slug] = await p.runtime.run('contact-forms', { workspaceId: ws.id }, async (ctx) =>
          String((await ctx.models.contact_forms.create({ slug, name: slug, active: true, fields })).get('id')),
        );
      }
      return ids;
    };
    let ids: Record<string, string>;
    before(async () => (ids = await brokenForms()));

    it('answers a submission 503, blaming the form and not the sender, and keeps nothing', async () => {
      for (const slug of Object.keys(ids)) {
        const before = await rowCounts(t.db, tables);
        const res = await submit(slug, { name: 'Lee', email: 'lee@example.com' });
        assert.equal(res.status, 503, `${slug}: ${JSON.stringify(res.body)}`);
        assert.match(res.body.error!, new RegExp(`form "${slug}" cannot take submissions until this workspace fixes it`));
        assert.deepEqual(await rowCounts(t.db, tables), before);
      }
    });

    it('shows what is wrong beside the field when the form is opened in the admin', async () => {
      for (const [slug, wrong] of [
        ['stored-names', /it does not say "type": "object"/],
        ['stored-typed', /its "type" is "text"/],
        ['stored-keyword', /it is not a usable JSON Schema/],
      ] as const) {
        for (const action of ['edit', 'show']) {
          const opened = await admin.json(`${FORMS}/records/${ids[slug]}/${action}`);
          assert.match(opened.body.record.errors.fields?.message ?? '', wrong, `${slug} ${action}`);
        }
      }
      const fixed = await send(`${FORMS}/records/${ids['stored-names']}/edit`, { fields: JSON.stringify(FIELDS) });
      assert.equal(fixed.notice?.type, 'success', 'fixed in the admin, it saves');
      assert.deepEqual((await admin.json(`${FORMS}/records/${ids['stored-names']}/edit`)).body.record.errors, {});
      assert.equal((await submit('stored-names', { name: 'Lee', email: 'lee@example.com' })).status, 201, 'and works');
    });
  });

  describe("a module table's declared columns", () => {
    const NEW = `${GAUGES}/actions/new`;
    const good = { title: 'Pressure', score: '7' };

    it('refuses values against enum, pattern, bounds, lengths and format, each beside its field', async () => {
      for (const [values, property, message] of [
        [{ level: 'medium' }, 'level', /^must be one of "low", "high"$/],
        [{ code: 'ab' }, 'code', /^must match the pattern the module declares, \^\[A-Z\]\{3\}\$ \(three capital letters\)$/],
        [{ score: '0' }, 'score', /^must be >= 1$/],
        [{ score: '11' }, 'score', /^must be <= 10$/],
        [{ score: 'many' }, 'score', /^must be integer$/],
        [{ ratio: '1.5' }, 'ratio', /^must be <= 1$/],
        [{ ratio: 'half' }, 'ratio', /^must be number$/],
        [{ title: 'x'.repeat(201) }, 'title', /^must NOT have more than 200 characters$/],
        [{ website: 'not a link' }, 'website', /^must match format "uri"$/],
        [{ due: 'soon' }, 'due', /^must match format "date-time"$/],
      ] as const) {
        await refused(NEW, { ...good, ...values }, property, message);
      }
    });

    it('refuses a required column left out, and nested values against their schemas', async () => {
      await refused(NEW, { title: 'No score' }, 'score', /^is required$/);
      await refused(
        NEW,
        { ...good, 'tags.0': 'fine', 'tags.1': 'too long' },
        'tags',
        /^at \/1: must NOT have more than 5 characters$/,
      );
      await refused(NEW, { ...good, 'tags.0': 'a', 'tags.1': 'b', 'tags.2': 'c' }, 'tags', /^must NOT have more than 2 items$/);
      await refused(NEW, { ...good, options: '{"size": "big"}' }, 'options', /^at \/size: must be integer$/);
      await refused(NEW, { ...good, options: '{}' }, 'options', /must have required property 'size'/);
    });

    it('writes a row that fits: numbers from their text, list items as an array, an emptied optional field as no value', async () => {
      const made = await send(NEW, {
        ...good,
        level: 'low',
        code: 'ABC',
        ratio: '0.25',
        due: '2026-01-02T03:04:05.000Z',
        day: '2026-01-02',
        website: '',
        'tags.0': 'a',
        'tags.1': 'b',
        options: '{"size": 2}',
      });
      assert.equal(made.notice?.type, 'success', JSON.stringify(made.record.errors));
      const row = await stored('mod_gauge.notes', made.record.id);
      assert.deepEqual(
        [Number(row.score), row.ratio, row.tags, row.options, row.website, new Date(row.due as string).toISOString()],
        [7, 0.25, ['a', 'b'], { size: 2 }, null, '2026-01-02T03:04:05.000Z'],
      );
    });

    it('checks an edit as the whole row it would leave, and leaves a refused one as it was', async () => {
      const made = await send(NEW, { ...good, level: 'low', due: '2026-01-02T03:04:05.000Z', day: '2026-01-02' });
      const id = made.record.id;
      const before = await stored('mod_gauge.notes', id);
      await refused(`${GAUGES}/records/${id}/edit`, { level: 'medium' }, 'level', /must be one of/);
      assert.deepEqual(await stored('mod_gauge.notes', id), before);
      const edited = await send(`${GAUGES}/records/${id}/edit`, { level: 'high' });
      assert.equal(
        edited.notice?.type,
        'success',
        `the stored score and dates hold as read back: ${JSON.stringify(edited.record.errors)}`,
      );
      assert.equal((await stored('mod_gauge.notes', id)).level, 'high');
    });

    it("still lets the module's onChange handler refuse a row whose columns fit", async () => {
      const before = await rowCounts(t.db, tables);
      const answer = await send(NEW, { ...good, title: 'vetoed' });
      assert.equal(answer.notice?.type, 'error');
      assert.match(answer.record.baseError?.message ?? '', /gauge refused this change: the title "vetoed" is not allowed/);
      assert.deepEqual(await rowCounts(t.db, tables), before);
      await refused(NEW, { title: 'vetoed', score: '0' }, 'score', /must be >= 1/);
    });
  });
});
