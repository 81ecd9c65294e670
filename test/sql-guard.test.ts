import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ValidationError } from '../platform/errors/index.js';
import {
  ALLOWED_FUNCTIONS,
  checkModuleMigration,
  checkModuleStatement,
  loadSqlGuard,
  SqlPolicyError,
  type StatementKind,
} from '../platform/sql-guard/index.js';
import { freshDatabase, onServer, type TestDatabase } from './support/database.js';

const SCHEMA = 'mod_acme';
const PLUGINS = fileURLToPath(new URL('../../plugins/', import.meta.url));
const check = (sql: string) => checkModuleStatement(sql, { schema: SCHEMA });
const migrate = (sql: string) => checkModuleMigration(sql, { schema: SCHEMA });

/** Asserts that `run` refuses with a SqlPolicyError whose message is `message`, or starts with it when it ends in `…`. */
function refuses(run: () => unknown, message: string): void {
  assert.throws(run, (err: unknown) => {
    assert.ok(err instanceof SqlPolicyError, `not a SqlPolicyError: ${String(err)}`);
    assert.equal(err.code, 'forbidden_sql');
    if (message.endsWith('…')) assert.ok(err.message.startsWith(message.slice(0, -1)), err.message);
    else assert.equal(err.message, message);
    return true;
  });
}

// The chat module's column list and Knowledge's search document, as its handlers put them into their SQL.
const COLUMNS = 'id, status, visitor_name AS "visitorName", contact_id AS "contactId", token_hash AS "tokenHash"';
const DOCUMENT = "to_tsvector('english', title || ' ' || body)";

/** Every ctx.query statement of plugins/*\/handlers and plugins/*\/lib, as written there: text, kind, returns rows, highest $n. */
const FIRST_PARTY: [string, StatementKind, boolean, number][] = [
  // contact-forms/handlers/submit.js
  ['SELECT id, slug, fields, consent_text, success_message FROM contact_forms WHERE slug = $1 AND active', 'select', true, 1],
  [
    `INSERT INTO contact_submissions (workspace_id, form_id, contact_id, data, consent, page)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    'insert',
    true,
    6,
  ],
  // knowledge/handlers/search.js
  [
    `SELECT id, title,
            ts_headline('english', body, q, 'MaxFragments=1, MaxWords=30, MinWords=10') AS snippet,
            ts_rank(${DOCUMENT}, q) AS rank
       FROM kb_entries, websearch_to_tsquery('english', $1) AS q
      WHERE published AND ${DOCUMENT} @@ q
      ORDER BY rank DESC, updated_at DESC
      LIMIT $2`,
    'select',
    true,
    2,
  ],
  // logiclegal/handlers/assess.js (it locks with ctx.lock: a raw advisory lock is refused, see below)
  ['SELECT id, status, score, evidence FROM legal_prospects WHERE contact_id = $1 FOR UPDATE', 'select', true, 1],
  [
    `INSERT INTO legal_prospects (workspace_id, contact_id, status, score, practice_area, jurisdiction, reasons, evidence, assessed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
     ON CONFLICT (workspace_id, contact_id) DO UPDATE SET status = EXCLUDED.status, score = EXCLUDED.score,
       practice_area = EXCLUDED.practice_area, jurisdiction = EXCLUDED.jurisdiction, reasons = EXCLUDED.reasons,
       evidence = EXCLUDED.evidence, assessed_at = now(), updated_at = now()
     RETURNING id`,
    'insert',
    true,
    8,
  ],
  // voice/handlers/call-webhook.js
  ['SELECT id, contact_id, status FROM voice_calls WHERE external_id = $1', 'select', true, 1],
  [
    `
  INSERT INTO voice_calls (workspace_id, external_id, contact_id, direction, from_number, to_number, status, started_at)
  VALUES ($1, $2, $3, $4, $5, $6, 'started', $7)
  ON CONFLICT (workspace_id, external_id) DO NOTHING
  RETURNING id`,
    'insert',
    true,
    7,
  ],
  [
    `
  INSERT INTO voice_calls AS c (workspace_id, external_id, contact_id, direction, from_number, to_number, status,
                                started_at, ended_at, duration_seconds, recording_url)
  VALUES ($1, $2, $3, $4, $5, $6, 'completed', $7, $8, $9, $10)
  ON CONFLICT (workspace_id, external_id) DO UPDATE
     SET contact_id = EXCLUDED.contact_id, direction = EXCLUDED.direction, from_number = EXCLUDED.from_number,
         to_number = COALESCE(EXCLUDED.to_number, c.to_number), status = 'completed',
         started_at = COALESCE($11::timestamptz, c.started_at, EXCLUDED.started_at),
         ended_at = EXCLUDED.ended_at, duration_seconds = EXCLUDED.duration_seconds, recording_url = EXCLUDED.recording_url
   WHERE c.status <> 'completed'
  RETURNING id`,
    'insert',
    true,
    11,
  ],
  ['INSERT INTO transcripts (workspace_id, call_id, contact_id, text, language) VALUES ($1, $2, $3, $4, $5)', 'insert', false, 5],
  // chat/lib/conversations.js
  [
    `INSERT INTO chat_conversations (workspace_id, visitor_name, status, token_hash)
     VALUES ($1, $2, 'open', $3) RETURNING ${COLUMNS}`,
    'insert',
    true,
    3,
  ],
  [`SELECT ${COLUMNS} FROM chat_conversations WHERE id = $1 FOR UPDATE`, 'select', true, 1],
  [
    `WITH stored AS (
       INSERT INTO chat_messages (workspace_id, conversation_id, author, body, contact_id, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, clock_timestamp(), clock_timestamp()) RETURNING id, created_at
     ), touched AS (
       UPDATE chat_conversations SET last_message_at = (SELECT created_at FROM stored) WHERE id = $2
     )
     SELECT id FROM stored`,
    'select',
    true,
    5,
  ],
  [`SELECT body FROM chat_messages WHERE conversation_id = $1 AND author = 'visitor' ORDER BY created_at, id`, 'select', true, 1],
  [
    'UPDATE chat_conversations SET contact_id = $2, lead_captured_at = COALESCE(lead_captured_at, now()) WHERE id = $1',
    'update',
    false,
    2,
  ],
  // chat/lib/config.js
  ["SELECT greeting, answer_from_knowledge, fallback_reply FROM chat_configs WHERE name = 'default'", 'select', true, 0],
];
const LOGICLEGAL_LOCK = 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))';

/** The files of plugins/<module>/<dir>/ whose names end in `suffix`. */
const pluginFiles = (dir: string, suffix: string): string[] =>
  fs
    .readdirSync(PLUGINS)
    .flatMap((module) => {
      const folder = path.join(PLUGINS, module, dir);
      return fs.existsSync(folder) ? fs.readdirSync(folder).map((f) => path.join(folder, f)) : [];
    })
    .filter((f) => f.endsWith(suffix));

describe('the SQL guard', () => {
  before(() => loadSqlGuard());

  describe('first-party SQL', () => {
    it('has a fixture for every ctx.query call of the modules’ handlers and libraries', () => {
      const calls = [...pluginFiles('handlers', '.js'), ...pluginFiles('lib', '.js')]
        .map((f) => fs.readFileSync(f, 'utf8').split('ctx.query(').length - 1)
        .reduce((a, b) => a + b, 0);
      assert.equal(calls, FIRST_PARTY.length);
    });

    for (const [sql, kind, returnsRows, highestParam] of FIRST_PARTY) {
      it(`lets through ${sql.trim().split('\n')[0].slice(0, 70)}`, () => {
        const checked = check(sql);
        assert.deepEqual(
          { kind: checked.kind, returnsRows: checked.returnsRows, highestParam: checked.highestParam },
          { kind, returnsRows, highestParam },
        );
      });
    }

    it('refuses the advisory lock LogicLegal used to take, which shares its key space with the platform', () => {
      refuses(
        () => check(LOGICLEGAL_LOCK),
        'function "pg_advisory_xact_lock" is not allowed in module SQL; advisory locks are shared with the platform: use ctx.lock(key), or lock rows with SELECT … FOR UPDATE (at character 8)',
      );
    });

    it('lets through every migration of the modules', () => {
      const files = pluginFiles('migrations', '.sql');
      assert.ok(files.length >= 2, `${files.length} migrations`);
      for (const file of files) assert.doesNotThrow(() => migrate(fs.readFileSync(file, 'utf8')), file);
    });
  });

  describe('run-time statements', () => {
    it('allows SELECT (WITH, VALUES, UNION, joins, LATERAL, windows, locking), INSERT, UPDATE and DELETE', () => {
      const allowed = [
        `SELECT t.id, count(*) FILTER (WHERE t.done) OVER (PARTITION BY t.kind ORDER BY t.at ROWS 2 PRECEDING),
                coalesce(t.a, nullif(t.b, ''), greatest(1, least(2, 3))), CASE WHEN t.x THEN lower(t.y) ELSE 'z' END,
                extract(year FROM t.at), trim(both ' ' FROM t.name), substring(t.name FROM 2 FOR 3), t.at AT TIME ZONE 'UTC',
                t.name LIKE 'a%' ESCAPE '!', t.name SIMILAR TO 'a%', current_date, current_user, ARRAY[1, 2], ROW(1, 2),
                'set_config'::regproc, t.id::text COLLATE "C", j ->> 'k', mod_acme.t.id
           FROM mod_acme.t JOIN u USING (id) LEFT JOIN LATERAL jsonb_to_record(t.doc) AS r(a int, b text) ON true
          WHERE t.id IN (SELECT id FROM v) AND EXISTS (SELECT 1 FROM w WHERE w.id = t.id) AND t.n = ANY($1)
          GROUP BY GROUPING SETS ((t.id), ()) HAVING sum(t.n) > 0
          ORDER BY 1 DESC NULLS LAST LIMIT 10 OFFSET 5 FOR UPDATE OF t SKIP LOCKED`,
        'WITH RECURSIVE n(i) AS (VALUES (1) UNION ALL SELECT i + 1 FROM n WHERE i < 5) SELECT i FROM n',
        'SELECT * FROM (VALUES (1, $1), (2, $2)) AS v(a, b) UNION SELECT 3, gen_random_uuid()::text',
        'SELECT * FROM generate_series(1, 3) WITH ORDINALITY AS g(n, i)',
        'INSERT INTO t (a) SELECT a FROM u ON CONFLICT (a) WHERE a > 0 DO UPDATE SET b = EXCLUDED.b WHERE t.b IS DISTINCT FROM EXCLUDED.b',
        'INSERT INTO t DEFAULT VALUES RETURNING *',
        'UPDATE t SET (a, b) = (SELECT 1, 2), c = DEFAULT FROM u WHERE u.id = t.id',
        "DELETE FROM t USING u WHERE u.id = t.id AND t.at < now() - interval '1 day'",
        'SELECT jsonb_agg(x ORDER BY x) FROM t',
        "SELECT string_agg(name, ', ' ORDER BY name) FROM t",
        'SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY n) FROM t',
        'SELECT "MixedCase".a FROM "MixedCase"',
        `SELECT 'set_config(''role'', ''postgres'', true); SET ROLE postgres' AS text -- set_config('role', 'postgres', true)`,
      ];
      for (const sql of allowed) assert.doesNotThrow(() => check(sql), sql);
    });

    it('tells whether a statement returns rows', () => {
      assert.equal(check('DELETE FROM t WHERE id = $1').returnsRows, false);
      assert.equal(check('DELETE FROM t WHERE id = $1 RETURNING id').returnsRows, true);
      assert.equal(check('UPDATE t SET a = 1 RETURNING *').kind, 'update');
      assert.equal(check('VALUES (1)').kind, 'select');
    });

    describe('refuses every statement but SELECT, INSERT, UPDATE and DELETE', () => {
      const cases: [string, string][] = [
        ["SET LOCAL app.workspace_id = '00000000-0000-0000-0000-000000000000'", 'SET'],
        ['SET/**/LOCAL role postgres', 'SET'],
        ['sEt LoCaL "role" = postgres', 'SET'],
        ['SET SESSION AUTHORIZATION postgres', 'SET'],
        ['RESET ROLE', 'RESET'],
        ['SHOW search_path', 'SHOW'],
        ["DO $$ BEGIN PERFORM set_config('role', 'postgres', true); END $$", 'DO'],
        ['CALL do_things()', 'CALL'],
        ['PREPARE p AS SELECT 1', 'PREPARE'],
        ['EXECUTE p', 'EXECUTE'],
        ['DEALLOCATE ALL', 'DEALLOCATE'],
        ['COPY t TO STDOUT', 'COPY'],
        ["COPY t FROM PROGRAM 'id'", 'COPY'],
        ['LISTEN c', 'LISTEN'],
        ["NOTIFY c, 'x'", 'NOTIFY'],
        ['UNLISTEN *', 'UNLISTEN'],
        ['LOCK TABLE t IN ACCESS EXCLUSIVE MODE', 'LOCK'],
        ['TRUNCATE t', 'TRUNCATE'],
        ['CREATE TABLE t (a int)', 'CREATE TABLE'],
        ['CREATE TEMP VIEW contacts AS SELECT 1', 'CREATE VIEW'],
        ['CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$', 'CREATE FUNCTION'],
        ['ALTER TABLE t ADD COLUMN b int', 'ALTER TABLE'],
        ['ALTER ROLE current_user SUPERUSER', 'ALTER ROLE'],
        ['DROP TABLE t', 'DROP TABLE'],
        ['GRANT SELECT ON t TO PUBLIC', 'GRANT'],
        ['REVOKE SELECT ON t FROM PUBLIC', 'REVOKE'],
        ["COMMENT ON TABLE t IS 'x'", 'COMMENT'],
        ['BEGIN', 'BEGIN'],
        ['COMMIT', 'COMMIT'],
        ['ROLLBACK', 'ROLLBACK'],
        ['SAVEPOINT s', 'SAVEPOINT'],
        ['RELEASE SAVEPOINT s', 'RELEASE'],
        ['ROLLBACK TO SAVEPOINT s', 'ROLLBACK TO'],
        ['DISCARD ALL', 'DISCARD'],
        ['VACUUM t', 'VACUUM'],
        ['ANALYZE t', 'ANALYZE'],
        ['EXPLAIN ANALYZE SELECT 1', 'EXPLAIN'],
        ['MERGE INTO t USING u ON t.id = u.id WHEN MATCHED THEN DELETE', 'MERGE'],
        ["LOAD 'plpgsql'", 'LOAD'],
        ['CHECKPOINT', 'CHECKPOINT'],
      ];
      for (const [sql, name] of cases)
        it(sql, () =>
          refuses(
            () => check(sql),
            `statement ${name} is not allowed in module SQL; use SELECT, INSERT, UPDATE or DELETE (at character 1)`,
          ),
        );

      it('points at the statement, past the comments before it', () =>
        refuses(
          () => check('-- a comment\n/* another */ SET ROLE postgres'),
          'statement SET is not allowed in module SQL; use SELECT, INSERT, UPDATE or DELETE (at character 28)',
        ));
      it('SELECT … INTO', () =>
        refuses(() => check('SELECT 1 INTO TEMP contacts'), 'SELECT … INTO is not allowed in module SQL (at character 20)'));
      it('two statements separated by ;', () =>
        refuses(() => check('SELECT 1; SET ROLE postgres'), 'a query must be one statement (found 2)'));
      it('two statements, the second after a string ending in ;', () =>
        refuses(() => check("SELECT ';'; SELECT 2"), 'a query must be one statement (found 2)'));
      it('no statement at all', () => {
        refuses(() => check(''), 'a query must be one statement (found 0)');
        refuses(() => check('-- nothing'), 'a query must be one statement (found 0)');
      });
      it('text the parser cannot read, with its message and position in characters', () => {
        refuses(() => check('SELEC 1'), 'syntax error at or near "SELEC" (at character 1)');
        refuses(() => check("SELECT 'é🙂', 'x"), `unterminated quoted string at or near "'x" (at character 14)`);
        refuses(
          () => check("SELECT set_config('role', 'postgres', true) /* unterminated"),
          'unterminated /* comment at or near "/* unterminated" (at character 45)',
        );
      });
    });

    describe('refuses every function outside the allowlist', () => {
      const forbidden = [
        'set_config',
        'current_setting',
        'query_to_xml',
        'query_to_xml_and_xmlschema',
        'query_to_xmlschema',
        'cursor_to_xml',
        'table_to_xml',
        'database_to_xml',
        'schema_to_xml',
        'ts_stat',
        'ts_rewrite',
        'pg_sleep',
        'pg_sleep_for',
        'pg_sleep_until',
        'pg_advisory_lock',
        'pg_advisory_xact_lock',
        'pg_advisory_lock_shared',
        'pg_advisory_unlock_all',
        'pg_try_advisory_lock',
        'pg_try_advisory_xact_lock',
        'dblink',
        'dblink_exec',
        'lo_import',
        'lo_export',
        'lo_get',
        'pg_read_file',
        'pg_read_binary_file',
        'pg_ls_dir',
        'pg_stat_file',
        'pg_terminate_backend',
        'pg_cancel_backend',
        'pg_reload_conf',
        'txid_current',
        'pg_current_xact_id',
        'nextval',
        'setval',
        'currval',
        'lastval',
        'pg_notify',
        'pg_logical_emit_message',
        'setseed',
        'to_regclass',
        'has_table_privilege',
        'pg_backend_pid',
        'plinth_user_memberships',
        'some_vendor_function',
      ];
      for (const name of forbidden)
        it(name, () => refuses(() => check(`SELECT ${name}('x')`), `function "${name}" is not allowed in module SQL…`));

      it('names the hint for the refusals an author is likeliest to meet', () => {
        refuses(
          () => check("SELECT nextval('s')"),
          'function "nextval" is not allowed in module SQL; let a column default draw from the sequence (at character 8)',
        );
        refuses(
          () => check("SELECT current_setting('app.workspace_id')"),
          'function "current_setting" is not allowed in module SQL; the platform sets each transaction\'s settings (at character 8)',
        );
      });

      const setRole = (name: string) => `${name}('role', 'postgres', true)`;
      const spellings: [string, string][] = [
        ['mixed case', `SELECT ${setRole('Set_Config')}`],
        ['a comment between the name and its arguments', `SELECT set_config/**/('role', 'postgres', true)`],
        ['a quoted name', `SELECT ${setRole('"set_config"')}`],
        ['a Unicode escape', `SELECT ${setRole(String.raw`U&"\0073et_config"`)}`],
        ['a Unicode escape with its own escape character', `SELECT U&"!0073et_config" UESCAPE '!'('role', 'postgres', true)`],
        ['dollar quoting around it', `SELECT $q$ harmless $q$, ${setRole('set_config')}, $$ also $$`],
        ['an E string with an escaped quote before it', String.raw`SELECT E'it\'s', ${setRole('set_config')}`],
        ['a subquery in WHERE', `SELECT 1 FROM t WHERE a IN (SELECT ${setRole('set_config')})`],
        ['a CTE', `WITH x AS (SELECT ${setRole('set_config')}) SELECT * FROM x`],
        ['a data-modifying CTE', `WITH d AS (DELETE FROM t RETURNING ${setRole('set_config')}) SELECT 1`],
        ['a LATERAL subquery', `SELECT * FROM t, LATERAL (SELECT ${setRole('set_config')}) AS l`],
        ['a function in FROM', `SELECT * FROM ROWS FROM (generate_series(1, 2), ${setRole('set_config')})`],
        ['VALUES', `VALUES (1), (${setRole('set_config')})`],
        ['ORDER BY', `SELECT a FROM t ORDER BY ${setRole('set_config')}`],
        ['GROUP BY and HAVING', `SELECT a FROM t GROUP BY a HAVING ${setRole('set_config')} IS NULL`],
        ['LIMIT', `SELECT a FROM t LIMIT length(${setRole('set_config')})`],
        ['ON CONFLICT DO UPDATE', `INSERT INTO t (a) VALUES (1) ON CONFLICT (a) DO UPDATE SET b = ${setRole('set_config')}`],
        [
          'ON CONFLICT … WHERE',
          `INSERT INTO t (a) VALUES (1) ON CONFLICT (a) DO UPDATE SET b = 1 WHERE ${setRole('set_config')} IS NULL`,
        ],
        ['INSERT … SELECT', `INSERT INTO t (a) SELECT ${setRole('set_config')}`],
        ['RETURNING', `UPDATE t SET a = 1 RETURNING ${setRole('set_config')}`],
        ['UPDATE … FROM', `UPDATE t SET a = 1 FROM (SELECT ${setRole('set_config')}) AS s`],
        ['DELETE … WHERE', `DELETE FROM t WHERE ${setRole('set_config')} IS NULL`],
        ['a window definition', `SELECT sum(a) OVER (ORDER BY ${setRole('set_config')}) FROM t`],
        ['a named window', `SELECT sum(a) OVER w FROM t WINDOW w AS (PARTITION BY ${setRole('set_config')})`],
        ['an aggregate FILTER', `SELECT count(*) FILTER (WHERE ${setRole('set_config')} IS NULL) FROM t`],
        ['an aggregate ORDER BY', `SELECT string_agg(a, ',' ORDER BY ${setRole('set_config')}) FROM t`],
        ['a join condition', `SELECT * FROM t JOIN u ON ${setRole('set_config')} IS NULL`],
        ['a CASE', `SELECT CASE WHEN a THEN ${setRole('set_config')} ELSE 'x' END FROM t`],
        ['an argument of an allowed function', `SELECT lower(${setRole('set_config')})`],
        ['COALESCE', `SELECT coalesce(a, ${setRole('set_config')}) FROM t`],
        ['a cast', `SELECT (${setRole('set_config')})::int`],
        ['an array', `SELECT ARRAY[${setRole('set_config')}]`],
        ['a UNION arm', `SELECT 'a' UNION ALL SELECT ${setRole('set_config')}`],
        ['EXISTS', `SELECT EXISTS (SELECT ${setRole('set_config')})`],
      ];
      for (const [where, sql] of spellings)
        it(`set_config hidden by ${where}`, () =>
          refuses(() => check(sql), 'function "set_config" is not allowed in module SQL…'));

      it('a qualified call only as pg_catalog.<allowed>', () => {
        refuses(
          () => check(`SELECT pg_catalog."set_config"('role', 'postgres', true)`),
          'function "pg_catalog.set_config" is not allowed in module SQL…',
        );
        refuses(() => check("SELECT public.lower('A')"), 'function "public.lower" is not allowed in module SQL (at character 8)');
        refuses(
          () => check("SELECT mod_acme.lower('A')"),
          'function "mod_acme.lower" is not allowed in module SQL (at character 8)',
        );
        assert.doesNotThrow(() => check("SELECT pg_catalog.lower('A'), PG_CATALOG.now()"));
      });

      it('the character of a refusal counts characters, not bytes', () =>
        refuses(() => check("SELECT 'é🙂', pg_sleep(1)"), 'function "pg_sleep" is not allowed in module SQL (at character 14)'));
    });

    describe('refuses relations outside the module’s schema and the catalogs', () => {
      const cases: [string, string][] = [
        [
          'SELECT * FROM pg_catalog.pg_authid',
          `relation "pg_catalog.pg_authid" is outside the module's schema (at character 15)`,
        ],
        ['SELECT * FROM PG_CATALOG.PG_ROLES', `relation "pg_catalog.pg_roles" is outside the module's schema (at character 15)`],
        [
          'SELECT * FROM "pg_catalog"."pg_class"',
          `relation "pg_catalog.pg_class" is outside the module's schema (at character 15)`,
        ],
        [
          'SELECT * FROM information_schema.tables',
          `relation "information_schema.tables" is outside the module's schema (at character 15)`,
        ],
        ['SELECT * FROM public.contacts', `relation "public.contacts" is outside the module's schema (at character 15)`],
        ['SELECT * FROM mod_other.tickets', `relation "mod_other.tickets" is outside the module's schema (at character 15)`],
        ['SELECT * FROM plinth.mod_acme.t', `relation "plinth.mod_acme.t" is outside the module's schema (at character 15)`],
        [
          'SELECT * FROM t WHERE a IN (SELECT usename FROM pg_user)',
          `relation "pg_user" is not allowed in module SQL: names beginning with pg_ are PostgreSQL's catalogs (at character 49)`,
        ],
        [
          'SELECT * FROM pg_stat_activity',
          `relation "pg_stat_activity" is not allowed in module SQL: names beginning with pg_ are PostgreSQL's catalogs (at character 15)`,
        ],
        [
          "INSERT INTO public.contacts (name) VALUES ('x')",
          `relation "public.contacts" is outside the module's schema (at character 13)`,
        ],
        ['UPDATE public.workspaces SET name = 1', `relation "public.workspaces" is outside the module's schema (at character 8)`],
        ['DELETE FROM t USING public.users', `relation "public.users" is outside the module's schema (at character 21)`],
        [
          'SELECT * FROM t FOR UPDATE OF pg_class',
          `relation "pg_class" is not allowed in module SQL: names beginning with pg_ are PostgreSQL's catalogs (at character 31)`,
        ],
      ];
      for (const [sql, message] of cases) it(sql, () => refuses(() => check(sql), message));

      it('allows the module’s own schema and unqualified names', () => {
        assert.doesNotThrow(() => check('SELECT * FROM mod_acme.t JOIN u ON true'));
      });

      it('checks each schema apart, whatever the cache holds', () => {
        const sql = 'SELECT * FROM mod_acme.t';
        assert.equal(check(sql), check(sql));
        refuses(
          () => checkModuleStatement(sql, { schema: 'mod_other' }),
          `relation "mod_acme.t" is outside the module's schema (at character 15)`,
        );
      });
    });

    describe('refuses other schemas’ types, operators and collations, and constructs outside the allowlist', () => {
      const cases: [string, string][] = [
        ["SELECT 'x'::public.mood", `type "public.mood" is outside the module's schema (at character 13)`],
        ['SELECT 1 OPERATOR(public.+) 2', `operator "public.+" is outside the module's schema (at character 10)`],
        [`SELECT a COLLATE public."x" FROM t`, `collation "public.x" is outside the module's schema (at character 10)`],
        ['SELECT * FROM t TABLESAMPLE bernoulli (10)', 'TABLESAMPLE is not allowed in module SQL (at character 29)'],
        ['UPDATE t SET a = 1 WHERE CURRENT OF c', 'WHERE CURRENT OF is not allowed in module SQL (at character 1)'],
        ["SELECT xmlparse(document '<a/>')", 'XML syntax is not allowed in module SQL (at character 8)'],
        ["SELECT json_object('a': 1)", 'SQL/JSON syntax (JsonObjectConstructor) is not allowed in module SQL (at character 8)'],
        ['SELECT $0', 'parameter $0 is out of range ($1 to $65535) (at character 8)'],
        ['SELECT $65536', 'parameter $65536 is out of range ($1 to $65535) (at character 8)'],
        // The parser keeps 32 bits of it: it would read $1.
        ['SELECT $4294967297', 'parameter $4294967297 is out of range ($1 to $65535) (at character 8)'],
      ];
      for (const [sql, message] of cases) it(sql, () => refuses(() => check(sql), message));

      it('a statement nested deeper than the checker can parse or walk', () => {
        const deep = (n: number) => `SELECT ${'(SELECT '.repeat(n)}1${')'.repeat(n)}`;
        assert.doesNotThrow(() => check(deep(100)));
        refuses(() => check(deep(2500)), 'the statement is nested too deeply to be checked…');
        refuses(() => check(deep(3000)), 'the statement is nested too deeply to be checked');
      });

      it('lets a cast to regproc through: it looks a name up and calls nothing', () => {
        assert.doesNotThrow(() => check("SELECT 'set_config'::regproc, 'pg_sleep(float8)'::regprocedure, 'x'::mod_acme.mood"));
      });
    });
  });

  describe('withValues', () => {
    it('replaces each $n where the parser found it, after multi-byte text too', () => {
      assert.equal(check("SELECT 'é🙂 ünïcødé' AS a, $1 AS b").withValues(['x']), "SELECT 'é🙂 ünïcødé' AS a, 'x' AS b");
    });

    it('leaves a $1 in a string, a quoted name, dollar quotes and comments alone', () => {
      const sql = `SELECT '$1' AS "$1", $1 AS b, $$ $1 $$ AS c, E'\\$1' /* $1 */ -- $1`;
      assert.equal(check(sql).withValues(['v']), `SELECT '$1' AS "$1", 'v' AS b, $$ $1 $$ AS c, E'\\$1' /* $1 */ -- $1`);
    });

    it('uses a value as often as its $n appears', () => {
      assert.equal(check('SELECT $2, $1, $2').withValues(['a', 'b']), "SELECT 'b', 'a', 'b'");
    });

    it('quotes every value as a string literal, as node-postgres sends it', () => {
      const quoted = (value: unknown) => check('SELECT $1').withValues([value]).slice('SELECT '.length);
      assert.equal(quoted(null), 'NULL');
      assert.equal(quoted(undefined), 'NULL');
      assert.equal(quoted(42), "'42'");
      assert.equal(quoted(true), "'true'");
      assert.equal(quoted(10n), "'10'");
      assert.equal(quoted("it's"), "'it''s'");
      assert.equal(quoted(String.raw`C:\dir\'x'`), String.raw` E'C:\\dir\\''x'''`);
      assert.equal(quoted(['a', 'b"c', null, 'd,e', ['f']]), String.raw` E'{"a","b\\"c",NULL,"d,e",{"f"}}'`);
      assert.equal(quoted([1, 2]), `'{"1","2"}'`);
      assert.equal(quoted({ a: "it's", b: [1, null], c: { d: true } }), `'{"a":"it''s","b":[1,null],"c":{"d":true}}'`);
      assert.equal(quoted(Buffer.from([0, 1, 255])), String.raw` E'\\x0001ff'`);
      const date = new Date(Date.UTC(2024, 1, 29, 23, 59, 58, 7));
      const text = /^'(.*)'$/.exec(quoted(date))![1];
      assert.equal(new Date(text).getTime(), date.getTime(), text);
    });

    it('puts a value followed by a subscript in parentheses', () => {
      assert.equal(check('SELECT $1[1], $1.f').withValues([[1, 2]]), `SELECT ('{"1","2"}')[1], ('{"1","2"}').f`);
    });

    it('refuses fewer values than the highest $n, and a NUL character', () => {
      assert.throws(
        () => check('SELECT $1, $3').withValues(['a', 'b']),
        (err) => err instanceof ValidationError && err.message === 'values: the statement uses $3 but 2 values were given',
      );
      assert.throws(
        () => check('SELECT $1').withValues(['a\0b']),
        (err) => err instanceof ValidationError && err.message.startsWith('$1: contains a NUL character'),
      );
      assert.equal(check('SELECT 1').withValues([]), 'SELECT 1');
    });
  });

  describe('migrations', () => {
    it('allow a module’s own tables, indexes, enum types, comments and data changes', () => {
      assert.doesNotThrow(() =>
        migrate(`
          -- Tickets, in this module's schema.
          CREATE TYPE mod_acme.ticket_status AS ENUM ('open', 'closed');
          CREATE TABLE IF NOT EXISTS tickets (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            workspace_id uuid NOT NULL,
            status ticket_status NOT NULL DEFAULT 'open',
            title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
            slug text GENERATED ALWAYS AS (lower(regexp_replace(title, '\\s+', '-', 'g'))) STORED,
            n bigint GENERATED ALWAYS AS IDENTITY (START WITH 100),
            parent uuid REFERENCES mod_acme.tickets (id) ON DELETE CASCADE,
            at tstzrange,
            created_at timestamptz NOT NULL DEFAULT now(),
            UNIQUE (workspace_id, slug),
            EXCLUDE USING gist (at WITH &&)
          ) WITH (fillfactor = 90);
          CREATE UNIQUE INDEX tickets_title ON tickets (workspace_id, lower(title) text_pattern_ops) WHERE status = 'open';
          ALTER TABLE tickets ADD COLUMN priority int NOT NULL DEFAULT 0, ALTER COLUMN title SET NOT NULL,
            ALTER COLUMN priority SET DEFAULT 1, ALTER COLUMN n TYPE bigint USING n::bigint,
            ADD CONSTRAINT priority_range CHECK (priority BETWEEN 0 AND 5);
          ALTER TABLE tickets RENAME COLUMN priority TO urgency;
          ALTER TABLE tickets RENAME CONSTRAINT priority_range TO urgency_range;
          ALTER INDEX tickets_title RENAME TO tickets_open_title;
          ALTER TYPE ticket_status ADD VALUE IF NOT EXISTS 'pending';
          COMMENT ON TABLE tickets IS 'Support tickets';
          COMMENT ON COLUMN mod_acme.tickets.urgency IS '0 to 5';
          INSERT INTO tickets (workspace_id, title) SELECT workspace_id, title FROM old_tickets;
          UPDATE tickets SET urgency = 1 WHERE status = 'open';
          DELETE FROM tickets WHERE title = '';
          ALTER TABLE tickets DROP CONSTRAINT urgency_range, DROP COLUMN slug;
          DROP INDEX tickets_open_title;
          DROP TABLE IF EXISTS old_tickets;
          DROP TYPE IF EXISTS old_status;
        `),
      );
    });

    const MIGRATION_HINT =
      'is not allowed in a module migration; it may create, alter, rename, drop and comment on its own tables, indexes and enum types, and insert, update or delete rows (at character 1)';
    const statements: [string, string][] = [
      ["CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'", 'CREATE FUNCTION'],
      ['CREATE PROCEDURE p() LANGUAGE sql AS $$ SELECT 1 $$', 'CREATE PROCEDURE'],
      ['CREATE TRIGGER t BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()', 'CREATE TRIGGER'],
      ['CREATE RULE r AS ON INSERT TO t DO INSTEAD NOTHING', 'CREATE RULE'],
      ['CREATE OPERATOR === (LEFTARG = int, RIGHTARG = int, FUNCTION = int4eq)', 'CREATE OPERATOR'],
      ['CREATE AGGREGATE a (int) (SFUNC = int4pl, STYPE = int)', 'CREATE AGGREGATE'],
      ['CREATE CAST (text AS int) WITH INOUT', 'CREATE CAST'],
      ['CREATE VIEW v AS SELECT * FROM t', 'CREATE VIEW'],
      ['CREATE VIEW v WITH (security_invoker = true) AS SELECT * FROM t', 'CREATE VIEW'],
      ['CREATE MATERIALIZED VIEW v AS SELECT * FROM t', 'CREATE MATERIALIZED VIEW'],
      ['CREATE TABLE t2 AS SELECT * FROM t', 'CREATE TABLE AS'],
      ['CREATE SEQUENCE s', 'CREATE SEQUENCE'],
      ['CREATE TYPE pair AS (a int, b int)', 'CREATE TYPE'],
      ['CREATE SCHEMA s', 'CREATE SCHEMA'],
      ['CREATE EXTENSION dblink', 'CREATE EXTENSION'],
      ['CREATE POLICY everything ON t USING (true)', 'CREATE POLICY'],
      ['GRANT SELECT ON t TO PUBLIC', 'GRANT'],
      ['REVOKE SELECT ON t FROM PUBLIC', 'REVOKE'],
      ['ALTER ROLE current_user SUPERUSER', 'ALTER ROLE'],
      ['ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC', 'ALTER DEFAULT PRIVILEGES'],
      ['ALTER TYPE ticket_status OWNER TO postgres', 'ALTER … OWNER TO'],
      ['ALTER TABLE t SET SCHEMA public', 'ALTER … SET SCHEMA'],
      ["DO $$ BEGIN EXECUTE 'SET ROLE postgres'; END $$", 'DO'],
      ['SET search_path = public', 'SET'],
      ['RESET ROLE', 'RESET'],
      ["SECURITY LABEL ON TABLE t IS 'x'", 'SECURITY LABEL'],
      ['SELECT 1', 'SELECT'],
      ['TRUNCATE t', 'TRUNCATE'],
    ];
    for (const [sql, name] of statements)
      it(`refuses ${sql}`, () => refuses(() => migrate(sql), `statement ${name} ${MIGRATION_HINT}`));

    const refusals: [string, string][] = [
      [
        'ALTER TABLE t DISABLE ROW LEVEL SECURITY',
        'ALTER TABLE … DISABLE ROW SECURITY is not allowed in module SQL (at character 1)',
      ],
      [
        'ALTER TABLE t NO FORCE ROW LEVEL SECURITY',
        'ALTER TABLE … NO FORCE ROW SECURITY is not allowed in module SQL (at character 1)',
      ],
      ['ALTER TABLE t DISABLE TRIGGER ALL', 'ALTER TABLE … DISABLE TRIG ALL is not allowed in module SQL (at character 1)'],
      ['ALTER TABLE t OWNER TO postgres', 'ALTER TABLE … CHANGE OWNER is not allowed in module SQL (at character 1)'],
      ['ALTER INDEX i SET TABLESPACE pg_default', 'ALTER INDEX is not allowed in module SQL (at character 1)'],
      ['ALTER VIEW v RENAME TO w', 'renaming a VIEW is not allowed in module SQL (at character 1)'],
      ['DROP POLICY tenant ON t', 'DROP POLICY is not allowed in module SQL (at character 1)'],
      ['DROP TRIGGER t_touch ON t', 'DROP TRIGGER is not allowed in module SQL (at character 1)'],
      ['DROP FUNCTION f()', 'DROP FUNCTION is not allowed in module SQL (at character 1)'],
      ['DROP SCHEMA mod_acme', 'DROP SCHEMA is not allowed in module SQL (at character 1)'],
      [
        'DROP TABLE t CASCADE',
        'CASCADE is not allowed in module SQL: it drops whatever depends on the object, whoever owns it (at character 1)',
      ],
      [
        'ALTER TABLE t DROP COLUMN a CASCADE',
        'CASCADE is not allowed in module SQL: it drops whatever depends on the object, whoever owns it (at character 1)',
      ],
      ['DROP TABLE public.contacts', `table "public.contacts" is outside the module's schema (at character 1)`],
      [
        'DROP INDEX CONCURRENTLY i',
        'DROP INDEX CONCURRENTLY is not allowed in module SQL: a migration runs in one transaction (at character 1)',
      ],
      ['COMMENT ON FUNCTION f() IS $$x$$', 'COMMENT ON FUNCTION is not allowed in module SQL (at character 1)'],
      ["COMMENT ON TABLE public.contacts IS 'x'", `table "public.contacts" is outside the module's schema (at character 1)`],
      [
        "COMMENT ON COLUMN public.contacts.name IS 'x'",
        `relation "public.contacts" is outside the module's schema (at character 1)`,
      ],
      ["CREATE TYPE public.mood AS ENUM ('a')", `type "public.mood" is outside the module's schema (at character 1)`],
      ["ALTER TYPE public.mood ADD VALUE 'b'", `type "public.mood" is outside the module's schema (at character 1)`],
      [
        'CREATE TEMP TABLE contacts (a int)',
        `temporary table "contacts" is not allowed in module SQL: temporary tables come first on the search path, before the module's and the shell's (at character 19)`,
      ],
      [
        'CREATE UNLOGGED TABLE t (a int)',
        `unlogged table "t" is not allowed in module SQL: a module's rows must survive a crash and reach replicas (at character 23)`,
      ],
      ['CREATE TABLE public.t (a int)', `relation "public.t" is outside the module's schema (at character 14)`],
      ['CREATE TABLE t (LIKE public.contacts)', `relation "public.contacts" is outside the module's schema (at character 22)`],
      [
        'CREATE TABLE t () INHERITS (public.contacts)',
        `relation "public.contacts" is outside the module's schema (at character 29)`,
      ],
      [
        'CREATE TABLE t PARTITION OF public.events FOR VALUES IN (1)',
        `relation "public.events" is outside the module's schema (at character 29)`,
      ],
      [
        'CREATE TABLE t (a uuid REFERENCES public.workspaces (id))',
        `relation "public.workspaces" is outside the module's schema (at character 35)`,
      ],
      [
        'CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME public.s))',
        `sequence "public.s" is outside the module's schema (at character 54)`,
      ],
      [
        "CREATE TABLE t (a text DEFAULT current_setting('app.workspace_id'))",
        'function "current_setting" is not allowed in module SQL…',
      ],
      [
        'CREATE TABLE t (a int CHECK (pg_sleep(1) IS NULL))',
        'function "pg_sleep" is not allowed in module SQL (at character 30)',
      ],
      ["CREATE TABLE t (a bigint GENERATED ALWAYS AS (nextval('s')) STORED)", 'function "nextval" is not allowed in module SQL…'],
      [
        'CREATE TABLE t (a int, EXCLUDE USING gist (a WITH OPERATOR(public.=)))',
        `operator "public.=" is outside the module's schema (at character 24)`,
      ],
      [
        'CREATE INDEX CONCURRENTLY i ON t (a)',
        'CREATE INDEX CONCURRENTLY is not allowed in module SQL: a migration runs in one transaction (at character 1)',
      ],
      ['CREATE INDEX i ON public.contacts (name)', `relation "public.contacts" is outside the module's schema (at character 19)`],
      ["CREATE INDEX i ON t ((set_config('role', 'postgres', true)))", 'function "set_config" is not allowed in module SQL…'],
      ['CREATE INDEX i ON t (a) WHERE pg_sleep(1) IS NULL', 'function "pg_sleep" is not allowed in module SQL (at character 31)'],
      [
        'CREATE INDEX i ON t (a public.text_ops)',
        `operator class "public.text_ops" is outside the module's schema (at character 1)`,
      ],
      [
        "ALTER TABLE t ALTER COLUMN a SET DEFAULT set_config('role', 'postgres', true)",
        'function "set_config" is not allowed in module SQL…',
      ],
      [
        'ALTER TABLE t ALTER COLUMN a TYPE int USING pg_sleep(1)::int',
        'function "pg_sleep" is not allowed in module SQL (at character 45)',
      ],
      [
        'ALTER TABLE public.contacts ADD COLUMN a int',
        `relation "public.contacts" is outside the module's schema (at character 13)`,
      ],
      ['INSERT INTO t SELECT pg_sleep(1)', 'function "pg_sleep" is not allowed in module SQL (at character 22)'],
      [
        'CREATE TABLE t (a int);\n-- and then\nGRANT ALL ON t TO PUBLIC;',
        `statement GRANT is not allowed in a module migration; it may create, alter, rename, drop and comment on its own tables, indexes and enum types, and insert, update or delete rows (at character 37)`,
      ],
    ];
    for (const [sql, message] of refusals) it(`refuses ${sql.split('\n').join(' ')}`, () => refuses(() => migrate(sql), message));
  });
});

describe(`the SQL guard against the database (${onServer ? 'server' : 'embedded'} database)`, () => {
  let t: TestDatabase;
  before(async () => {
    await loadSqlGuard();
    t = await freshDatabase({ migrate: false });
  });
  after(() => t.drop());

  it('allows only functions this database has in pg_catalog', async () => {
    const missing = await t.db.unit({ role: 'connection' }, () =>
      t.db.rows(
        `SELECT name FROM unnest($1::text[]) AS name
          WHERE NOT EXISTS (SELECT 1 FROM pg_proc WHERE proname = name AND pronamespace = 'pg_catalog'::regnamespace)`,
        [[...ALLOWED_FUNCTIONS]],
      ),
    );
    assert.deepEqual(missing, []);
    assert.ok(ALLOWED_FUNCTIONS.size > 200, `${ALLOWED_FUNCTIONS.size} functions`);
  });

  it('returns what the statement returns with the same values bound', async () => {
    const values = [
      String.raw`it's a \ back\slash, "quoted", é🙂 and $1`,
      42,
      true,
      null,
      new Date(Date.UTC(2024, 1, 29, 23, 59, 58, 7)),
      ['a', 'b"c', null, String.raw`d\e,f{g}`],
      { a: "it's", b: [1, null], c: { d: String.raw`\x` } },
      Buffer.from([0, 1, 39, 92, 255]),
      [
        [1, 2],
        [3, 4],
      ],
    ];
    const insert = check(
      `INSERT INTO round_trip (s, n, b, nothing, at, tags, doc, raw, grid) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       RETURNING *, $2 + 1 AS next, $1 || '!' AS shout`,
    );
    const select = check('SELECT n, s FROM round_trip WHERE n = ANY($1) AND tags[2] = $2 ORDER BY s');
    await t.db.unit({ role: 'connection' }, async () => {
      await t.db.exec(`CREATE TABLE round_trip (s text, n int, b boolean, nothing text, at timestamptz, tags text[], doc jsonb,
                                                raw bytea, grid int[])`);
      const bound = await t.db.rows(insert.sql, values);
      const quoted = await t.db.rows(insert.withValues(values));
      assert.deepEqual(quoted, bound);
      assert.equal((quoted[0] as { s: string }).s, values[0]);
      const found = [[42, 7], 'b"c'];
      assert.deepEqual(await t.db.rows(select.withValues(found)), await t.db.rows(select.sql, found));
      assert.equal((await t.db.rows(select.withValues(found))).length, 2);
    });
  });
});
