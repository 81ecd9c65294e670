import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { ReportedOutcome } from '../platform/import/index.js';
import { CLI, envFor, plinth } from './support/cli.js';
import { contentsOf, freshDatabase, onServer, rowCounts, type Contents, type TestDatabase } from './support/database.js';
import { testPlatform, type TestPlatform } from './support/platform.js';
import { pluginDir } from './support/plugins.js';

const ROWS = 100_000;
const EXISTING = 10_000;
const TABLES = ['contacts', 'contact_identities', 'contact_merge_candidates', 'imports', 'import_outcomes', 'mod_ledger.notes'];

/**
 * Row `i` (from 0) of the big file: 5 % refused (each for one column), 10 % an existing
 * contact's email (with a new phone, which the contact gains), 2 % the previous row's email
 * again (merged into the contact that row created), the rest new people, a third with a phone.
 */
function bigRow(i: number): string {
  if (i % 20 === 7) {
    const bad = [
      `Bad ${i},not-an-email,,,`,
      `Bad ${i},bad${i}@import.test,12,,`,
      `Bad ${i},bad${i}@import.test,,,lots`,
      `Bad ${i},,,Nobody Ltd,`,
    ];
    return bad[((i / 20) % 4) | 0];
  }
  if (i % 10 === 3) return `Old ${i % EXISTING},OLD${i % EXISTING}@import.test,+1415${3000000 + i},,`;
  if (i % 50 === 11) return `New ${i - 1},new${i - 1}@import.test,,Second Row Inc,`;
  return `New ${i},new${i}@import.test,${i % 3 === 0 ? `+1415${2000000 + i}` : ''},Company ${i % 97},${i % 101}`;
}

/** The columns each kind of bad row is refused for. */
const REFUSED_COLUMN = ['E-mail', 'Phone', 'Score', 'E-mail / Phone'];

function writeBigFile(dir: string): string {
  const file = path.join(dir, 'contacts.csv');
  const lines = ['Full name,E-mail,Phone,Company,Score'];
  for (let i = 0; i < ROWS; i++) lines.push(bigRow(i));
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** An outcome as both runs must agree on it: a created record by its row, a merge by the contact that existed or the row that made it. */
const comparable = (o: ReportedOutcome): string =>
  [o.row, o.outcome, o.firstRow ?? o.recordId ?? '', o.column ?? '', o.reason ?? ''].join('|');

const parseOutcomes = (csv: string): ReportedOutcome[] =>
  parse<Record<string, string>>(csv, { columns: true }).map((r) => ({
    row: Number(r.row),
    outcome: r.outcome as ReportedOutcome['outcome'],
    ...(r.record && { recordId: r.record }),
    ...(r.first_row && { firstRow: Number(r.first_row) }),
    ...(r.column && { column: r.column }),
    ...(r.reason && { reason: r.reason }),
  }));

describe(`CSV import (${onServer ? 'server' : 'embedded'} database)`, function () {
  this.timeout(1_800_000);
  let t: TestDatabase;
  let p: TestPlatform;
  let dir: string;
  let big: string;
  const ws: Record<'a' | 'b' | 'c', { id: string; slug: string }> = {} as never;

  before(async () => {
    t = await freshDatabase();
    p = testPlatform(t);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plinth-import-'));
    big = writeBigFile(dir);
    for (const key of ['a', 'b', 'c'] as const)
      ws[key] = await t.entities.workspaces.create({ slug: `import-${key}`, name: `Import ${key}` });
    // The same existing contacts in a and b: the file's duplicates are theirs.
    for (const key of ['a', 'b'] as const)
      for (let from = 0; from < EXISTING; from += 1000)
        await t.entities.contacts.importMany(
          ws[key].id,
          Array.from({ length: 1000 }, (_, k) => ({
            name: `Old ${from + k}`,
            emails: [`old${from + k}@import.test`],
            source: { module: 'seed' },
          })),
        );
    const ledger = pluginDir(
      'ledger',
      (m) => {
        const table = m.tables[0];
        Object.assign(table.schema.properties, {
          score: { type: 'integer', minimum: 1, maximum: 10 },
          level: { type: 'string', enum: ['low', 'high'] },
        });
        table.onChange = 'handlers/veto.js';
      },
      {
        'handlers/veto.js': `export default async function veto(change) {
  if (change.row?.title === 'vetoed') { const e = new Error('the title "vetoed" is not allowed'); e.path = 'title'; throw e; }
}
`,
      },
    );
    await p.add(ledger, 'ledger', [ws.c.slug]);
  });
  after(async () => {
    await p.close();
    await t.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Workspace `id`'s contacts, identities, merge candidates and import outcomes, without what differs between two runs (ids, times). */
  const state = async (id: string): Promise<Record<string, Contents>> =>
    t.db.unit({ role: 'connection' }, async () => ({
      contacts: await contentsOf(
        t.db,
        `SELECT name, organization, emails, phones, qualification_status, lead_score, warmth, consent, metadata,
                (SELECT jsonb_agg(e - 'at') FROM jsonb_array_elements(provenance) AS e) AS provenance
           FROM contacts WHERE workspace_id = $1`,
        [id],
      ),
      identities: await contentsOf(
        t.db,
        `SELECT i.kind, i.value, coalesce(c.emails[1], c.phones[1]) AS holder
           FROM contact_identities i JOIN contacts c ON c.id = i.contact_id WHERE i.workspace_id = $1`,
        [id],
      ),
      candidates: await contentsOf(
        t.db,
        `SELECT a.emails, b.emails, m.status FROM contact_merge_candidates m
           JOIN contacts a ON a.id = m.contact_id JOIN contacts b ON b.id = m.other_contact_id WHERE m.workspace_id = $1`,
        [id],
      ),
      outcomes: await contentsOf(
        t.db,
        `SELECT o.row_number, o.outcome, o.column_name, o.reason, coalesce(c.emails[1], c.phones[1]) AS record
           FROM import_outcomes o LEFT JOIN contacts c ON c.id = o.record_id WHERE o.workspace_id = $1`,
        [id],
      ),
      imports: await contentsOf(
        t.db,
        'SELECT target, file_sha256, mapping, total_rows, rows_done, status FROM imports WHERE workspace_id = $1',
        [id],
      ),
    }));

  it('maps columns by their headers and previews the first rows as they would be written, writing nothing', async () => {
    const before = await rowCounts(t.db, TABLES);
    const plan = await p.imports.plan({ workspaceId: ws.a.id, source: { path: big } });
    assert.deepEqual(
      plan.mapping.map((m) => `${m.column}=${m.field}`),
      ['Full name=name', 'E-mail=emails', 'Phone=phones', 'Company=organization', 'Score=leadScore'],
    );
    const preview = await p.imports.preview(plan, 2);
    assert.deepEqual(preview[0], {
      row: 1,
      values: { name: 'New 0', organization: 'Company 0', emails: ['new0@import.test'], phones: ['+14152000000'], leadScore: 0 },
    });
    const cli = await plinth(
      ['import', big, '--workspace', ws.a.slug, '--map', 'E-mail=emails,Full name=name', '--preview', '2'],
      envFor(t.config),
    );
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stderr, /mapping: E-mail → emails, Full name → name/);
    assert.match(cli.stderr, /not imported: Phone, Company, Score/);
    assert.match(cli.stdout, /^row 1: \{"name":"New 0","emails":\["new0@import.test"\],"phones":\[\]\}$/m);
    assert.deepEqual(await rowCounts(t.db, TABLES), before, 'a preview writes nothing');
  });

  let dry: ReportedOutcome[];
  it(`dry-runs ${ROWS.toLocaleString('en')} rows: created, merged (into which contact) or refused (naming the column), writing nothing`, async () => {
    const before = await rowCounts(t.db, TABLES);
    const started = Date.now();
    dry = await p.imports.dryRun(await p.imports.plan({ workspaceId: ws.a.id, source: { path: big } }));
    console.log(`      dry run: ${Math.round(ROWS / ((Date.now() - started) / 1000))} rows/s`);
    assert.deepEqual(await rowCounts(t.db, TABLES), before, 'a dry run writes nothing');
    assert.equal(dry.length, ROWS);
    const count = (o: string) => dry.filter((r) => r.outcome === o).length;
    assert.deepEqual([count('created'), count('merged'), count('refused')], [ROWS * 0.83, ROWS * 0.12, ROWS * 0.05]);
    for (const o of dry) {
      const i = o.row - 1;
      if (i % 20 === 7) {
        assert.equal(o.outcome, 'refused', JSON.stringify(o));
        assert.equal(o.column, REFUSED_COLUMN[((i / 20) % 4) | 0], JSON.stringify(o));
      } else if (i % 10 === 3) assert.ok(o.outcome === 'merged' && o.recordId && o.firstRow === undefined, JSON.stringify(o));
      else if (i % 50 === 11) assert.deepEqual([o.outcome, o.firstRow], ['merged', o.row - 1], JSON.stringify(o));
      else assert.deepEqual([o.outcome, o.firstRow], ['created', o.row], JSON.stringify(o));
    }
    assert.match(dry.find((o) => o.column === 'Score')!.reason!, /"lots" is not a whole number from 0 to 100/);
    assert.match(dry.find((o) => o.column === 'E-mail')!.reason!, /"not-an-email" is not an email address/);
  });

  it('imports the file through `plinth import`, killed with SIGKILL halfway, then run again: the outcome matches the dry run row by row', async () => {
    const env = envFor(t.config);
    const child = spawn(process.execPath, ['--no-node-snapshot', CLI, 'import', big, '--workspace', ws.a.slug], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const done = async () =>
      Number(
        (
          await t.db.app(ws.a.id, () =>
            t.db.rows<{ n: number | null }>('SELECT max(rows_done) AS n FROM imports WHERE workspace_id = $1', [ws.a.id]),
          )
        )[0]?.n ?? 0,
      );
    const deadline = Date.now() + 1_200_000;
    for (let progress = await done(); progress < ROWS / 2; progress = await done()) {
      assert.ok(Date.now() < deadline && child.exitCode === null, `the import stopped at ${progress}: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    await exited;
    const killedAt = await done();
    assert.ok(killedAt < ROWS, `killed at ${killedAt} of ${ROWS} rows`);
    assert.equal(killedAt % 1000, 0, 'whole batches only');

    const started = Date.now();
    const rerun = await plinth(['import', big, '--workspace', ws.a.slug], env);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.match(rerun.stderr, new RegExp(`resuming after row ${killedAt}`));
    const [, id] = /^import ([0-9a-f-]{36}): 83000 created, 12000 merged, 5000 refused/m.exec(rerun.stdout) ?? [];
    assert.ok(id, rerun.stdout);
    console.log(
      `      the rest of the import (${ROWS - killedAt} rows): ${Math.round((ROWS - killedAt) / ((Date.now() - started) / 1000))} rows/s`,
    );

    const outcomes = await plinth(['import', 'outcomes', id, '--workspace', ws.a.slug], env);
    assert.equal(outcomes.code, 0, outcomes.stderr);
    const real = parseOutcomes(outcomes.stdout);
    assert.equal(real.length, ROWS);
    const mismatch = real.findIndex((o, i) => comparable(o) !== comparable(dry[i]));
    assert.equal(
      mismatch,
      -1,
      `row ${mismatch + 1}: import ${JSON.stringify(real[mismatch])}, dry run ${JSON.stringify(dry[mismatch])}`,
    );
    assert.equal(await t.entities.contacts.count(ws.a.id), EXISTING + ROWS * 0.83);
    const merged = await t.entities.contacts.findByIdentity(ws.a.id, 'phone', '+14153000003');
    assert.equal(merged?.name, 'Old 3', 'an existing contact gained the phone of its row');
    // Old 3 is in the file ten times (every 10,000 rows), each adding its own phone.
    assert.deepEqual(
      merged.provenance.map((s) => s.module + (s.channel ? `/${s.channel}` : '')),
      ['seed', ...Array<string>(10).fill('plinth/import')],
    );
    assert.equal(merged.phones.length, 10);
  });

  it('gives the same final state as an uninterrupted run into a fresh workspace', async () => {
    const started = Date.now();
    const result = await p.imports.run(await p.imports.plan({ workspaceId: ws.b.id, source: { path: big } }));
    console.log(`      uninterrupted import: ${Math.round(ROWS / ((Date.now() - started) / 1000))} rows/s`);
    assert.deepEqual(result.counts, { created: 83000, merged: 12000, refused: 5000 });
    assert.equal(result.resumedAfter, 0);
    assert.deepEqual(await state(ws.a.id), await state(ws.b.id));
  });

  it('refuses, naming what is wrong and writing nothing: a file that is not CSV, an unknown column, field, table or workspace', async () => {
    const env = envFor(t.config);
    const before = await rowCounts(t.db, TABLES);
    const binary = path.join(dir, 'picture.csv');
    fs.writeFileSync(binary, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]));
    const ragged = path.join(dir, 'ragged.csv');
    fs.writeFileSync(ragged, 'Name,E-mail\nAda,ada@example.org\nBob,bob@example.org,extra\n');
    const cases: [string[], RegExp][] = [
      [['import', binary, '--workspace', ws.a.slug], /picture\.csv: is not a CSV file: binary content at byte 8/],
      [['import', ragged, '--workspace', ws.a.slug], /ragged\.csv: is not a CSV file we can read \(line 3\)/],
      [
        ['import', big, '--workspace', ws.a.slug, '--map', 'Email=emails'],
        /--map: column "Email": is not a column of .*contacts\.csv/,
      ],
      [
        ['import', big, '--workspace', ws.a.slug, '--map', 'E-mail=email_address'],
        /--map: field "email_address": is not a field of contacts/,
      ],
      [['import', big, '--workspace', ws.a.slug, '--map', 'Full name=name'], /--map: maps no column to emails or phones/],
      [['import', big, '--workspace', ws.a.slug, '--table', 'ledger.notes'], /table .* "ledger\.notes" not found/],
      [['import', big, '--workspace', ws.c.slug, '--table', 'ledger.missing'], /table of module ledger "missing" not found/],
      [['import', big, '--workspace', 'no-such-place'], /workspace "no-such-place" not found/],
    ];
    for (const [args, message] of cases) {
      const run = await plinth(args, env);
      assert.equal(run.code, 1, `${args.join(' ')}: ${run.stdout}`);
      assert.match(run.stderr, message, args.join(' '));
    }
    assert.deepEqual(await rowCounts(t.db, TABLES), before, 'nothing written by a refusal');
  });

  it("imports a module table's rows held to its manifest, as the module (its onChange runs), refusals naming the column", async () => {
    const file = path.join(dir, 'ledger.csv');
    fs.writeFileSync(
      file,
      [
        'Title,Score,Level,Note',
        'First,3,low,kept',
        'Too high,11,high,',
        'Middling,5,mid,',
        'vetoed,2,low,',
        ',4,low,',
        'Last,,high,x',
      ].join('\n'),
    );
    const plan = await p.imports.plan({
      workspaceId: ws.c.id,
      target: 'ledger.notes',
      source: { path: file },
      mapping: ['Title=title,Score=score,Level=level,Note=body'],
    });
    const before = await rowCounts(t.db, TABLES);
    const dryRun = await p.imports.dryRun(plan);
    assert.deepEqual(await rowCounts(t.db, TABLES), before, 'a dry run writes nothing');
    const result = await p.imports.run(plan);
    assert.deepEqual(result.counts, { created: 2, merged: 0, refused: 4 });
    const real = await p.imports.store.outcomes(result.import);
    assert.deepEqual(real.map(comparable), dryRun.map(comparable));
    assert.deepEqual(
      real.filter((o) => o.outcome === 'refused').map((o) => [o.row, o.column, o.reason]),
      [
        [2, 'Score', 'must be <= 10'],
        [3, 'Level', 'must be one of "low", "high"'],
        [4, 'Title', 'ledger refused this row: the title "vetoed" is not allowed'],
        [5, 'Title', 'is required'],
      ],
    );
    const rows = await t.db.unit({ role: 'connection' }, () =>
      t.db.rows<{ title: string; score: string | null; level: string; body: string | null; workspace_id: string }>(
        'SELECT title, score, level, body, workspace_id FROM mod_ledger.notes ORDER BY title',
      ),
    );
    assert.deepEqual(rows, [
      { title: 'First', score: '3', level: 'low', body: 'kept', workspace_id: ws.c.id },
      { title: 'Last', score: null, level: 'high', body: 'x', workspace_id: ws.c.id },
    ]);
    const ids = real.filter((o) => o.outcome === 'created').map((o) => o.recordId);
    assert.equal(ids.length, 2);
    // Under row-level security as the module: another workspace does not see the rows.
    const seen = await t.db.unit(
      { role: { name: `${t.db.roles.prefix}mod_ledger` }, workspaceId: ws.a.id, schema: 'mod_ledger' },
      () => t.db.rows('SELECT 1 FROM notes'),
    );
    assert.equal(seen.length, 0);
  });

  it('dry-runs from the command line, printing the outcomes as CSV and writing nothing; a bad batch size is refused', async () => {
    const env = envFor(t.config);
    const before = await rowCounts(t.db, TABLES);
    const args = ['import', path.join(dir, 'ledger.csv'), '--workspace', ws.c.slug, '--table', 'ledger.notes'];
    const dryRun = await plinth([...args, '--map', 'Title=title,Score=score,Level=level', '--dry-run'], env);
    assert.equal(dryRun.code, 0, dryRun.stderr);
    assert.match(
      dryRun.stdout,
      /^row,outcome,record,first_row,column,reason\n1,created,[0-9a-f-]{36},1,,\n2,refused,,,Score,must be <= 10\n/,
    );
    assert.match(dryRun.stderr, /dry run, nothing written: 2 created, 0 merged, 4 refused/);
    const badSize = await plinth([...args, '--batch-size', 'lots'], env);
    assert.equal(badSize.code, 1);
    assert.match(badSize.stderr, /--batch-size: "lots" is not a whole number from 1 to 10000/);
    assert.deepEqual(await rowCounts(t.db, TABLES), before, 'nothing written');
  });

  it('downloads outcomes as CSV and refuses an unknown import', async () => {
    const [latest] = await p.imports.store.list(ws.c.id);
    const env = envFor(t.config);
    const out = await plinth(['import', 'outcomes', latest.id, '--workspace', ws.c.slug], env);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout.split('\n')[0], 'row,outcome,record,first_row,column,reason');
    assert.match(out.stdout, /^3,refused,,,Level,"must be one of ""low"", ""high"""$/m);
    const other = await plinth(['import', 'outcomes', latest.id, '--workspace', ws.a.slug], env);
    assert.equal(other.code, 1);
    assert.match(other.stderr, new RegExp(`import "${latest.id}" not found`));
  });
});
