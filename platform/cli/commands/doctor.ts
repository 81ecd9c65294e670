import fs from 'node:fs';
import type { Command } from 'commander';
import { createPlatform } from '../../composition/index.js';
import { loadConfig, type PlinthConfig } from '../../config/index.js';
import {
  DEFINER_SEARCH_PATH,
  definersInPublic,
  migrationStatus,
  openDatabase,
  pinsTemporarySchemaLast,
  readLock,
  rolesWithTemporary,
  searchPathOf,
  type Database,
} from '../../db/index.js';
import { auditGrants } from '../../registry/index.js';
import { redactUrl, reportFailure } from '../context.js';

interface Check {
  ok: boolean;
  name: string;
  detail: string;
}

async function databaseChecks(db: Database): Promise<Check[]> {
  const probe = await db.probe(5000);
  if (!probe.reachable) return [{ ok: false, name: 'database', detail: `unreachable: ${probe.error}` }];
  const checks: Check[] = [{ ok: true, name: 'database', detail: 'reachable' }];
  const status = await migrationStatus(db);
  checks.push({
    ok: status.pending.length === 0,
    name: 'migrations',
    detail:
      status.pending.length === 0
        ? `current (${status.executed.length} applied)`
        : `${status.pending.length} pending: ${status.pending.join(', ')} (run: plinth migrate up)`,
  });
  const roles = await db.unit({ role: 'connection' }, () =>
    db.rows<{ rolname: string; rolsuper: boolean; rolbypassrls: boolean }>(
      'SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = ANY($1::text[])',
      [[db.roles.owner, db.roles.app]],
    ),
  );
  const app = roles.find((r) => r.rolname === db.roles.app);
  checks.push({
    ok: roles.length === 2 && !!app && !app.rolsuper && !app.rolbypassrls,
    name: 'roles',
    detail:
      roles.length === 2
        ? `${db.roles.owner} owns the shell, ${db.roles.app} runs the application${app?.rolsuper || app?.rolbypassrls ? ' — but it bypasses row-level security' : ''}`
        : `missing: ${[db.roles.owner, db.roles.app].filter((r) => !roles.some((x) => x.rolname === r)).join(', ')} (run: plinth migrate up)`,
  });
  if (status.executed.length > 0) {
    const foreign = await db.unit({ role: 'connection' }, () =>
      db.rows<{ tablename: string; tableowner: string }>(
        "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public' AND tableowner <> $1",
        [db.roles.owner],
      ),
    );
    checks.push({
      ok: foreign.length === 0,
      name: 'ownership',
      detail:
        foreign.length === 0
          ? `every shell table is owned by ${db.roles.owner}`
          : `not owned by ${db.roles.owner}: ${foreign.map((t) => `${t.tablename} (${t.tableowner})`).join(', ')}`,
    });
  }
  return checks;
}

async function grantChecks(db: Database, config: PlinthConfig): Promise<Check[]> {
  const { marketplace } = createPlatform({ config, db, notify: false });
  const installed = (await marketplace.registry.rows()).filter((r) => r.status === 'installed');
  const checks: Check[] = [];
  for (const m of await auditGrants(db, installed)) {
    for (const r of m.roles) {
      const rights = r.rights.map((x) => `\n              ${r.beyond.includes(x) ? '!! ' : ''}${x}`).join('');
      const extra = r.beyond
        .filter((b) => !r.rights.includes(b))
        .map((x) => `\n              !! ${x}`)
        .join('');
      checks.push({
        ok: r.beyond.length === 0,
        name: 'grants',
        detail: `${r.role} (${m.moduleId})${r.beyond.length ? ` has ${r.beyond.length} right(s) beyond its manifest (!!)` : ''}:${rights || ' none'}${extra}`,
      });
    }
  }
  if (installed.length === 0) checks.push({ ok: true, name: 'grants', detail: 'no module installed' });
  return [...checks, ...(await sessionChecks(db))];
}

/**
 * What a caller's session could plant for code that runs with more rights: a definer function
 * whose search path reaches the temporary schema before `public`, and a shell role that may
 * create temporary objects (module roles are flagged with their grants above).
 */
async function sessionChecks(db: Database): Promise<Check[]> {
  return db.unit({ role: 'connection' }, async () => {
    const definers = await definersInPublic(db);
    const unpinned = definers.filter((d) => !pinsTemporarySchemaLast(d.config));
    const checks: Check[] = unpinned.map((d) => ({
      ok: false,
      name: 'definers',
      detail: `${d.signature} (owner ${d.owner}) runs as its owner with ${
        searchPathOf(d.config) === null ? 'no search_path of its own' : `search_path=${searchPathOf(d.config)}`
      }: the temporary schema is searched first (pin it: SET search_path = ${DEFINER_SEARCH_PATH})`,
    }));
    if (unpinned.length === 0)
      checks.push({
        ok: true,
        name: 'definers',
        detail: `${definers.length} SECURITY DEFINER function(s) in public, each with pg_temp last on its search path`,
      });
    const temporary = await rolesWithTemporary(db, [db.roles.app, db.roles.owner]);
    checks.push({
      ok: temporary.length === 0,
      name: 'temporary',
      detail:
        temporary.length === 0
          ? `${db.roles.app} and ${db.roles.owner} cannot create temporary objects`
          : `${temporary.join(', ')} can create temporary objects in this database (run: plinth migrate up)`,
    });
    return checks;
  });
}

function dataDirCheck(dir: string, required: boolean): Check {
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
    return { ok: true, name: 'data dir', detail: `${dir} (writable)` };
  } catch (err) {
    return { ok: !required, name: 'data dir', detail: `${dir}: ${(err as Error).message}` };
  }
}

export function doctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('check the database (embedded or server), the migrations, the roles and the data dir')
    .option('--grants', "also print each module role's rights and flag any beyond its manifest")
    .action(async (options: { grants?: boolean }) => {
      const config = loadConfig();
      const checks: Check[] = [];
      const embedded = !config.databaseUrl;
      checks.push({
        ok: true,
        name: 'mode',
        detail: embedded
          ? `embedded PostgreSQL (PGlite) in ${config.dataDir}`
          : `server PostgreSQL at ${redactUrl(config.databaseUrl!)}`,
      });
      checks.push(dataDirCheck(config.dataDir, embedded));
      let db: Database | undefined;
      try {
        db = await openDatabase(config);
        if (embedded) {
          const lock = readLock(config.dataDir);
          checks.push({
            ok: true,
            name: 'embedded',
            detail: lock?.port ? `served by pid ${lock.pid} on 127.0.0.1:${lock.port}` : 'not running',
          });
        }
        checks.push(...(await databaseChecks(db)));
        if (options.grants) checks.push(...(await grantChecks(db, config)));
      } catch (err) {
        checks.push({ ok: false, name: 'database', detail: `cannot be opened: ${(err as Error).message}` });
      } finally {
        await db?.close().catch(reportFailure);
      }
      for (const c of checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name.padEnd(10)}  ${c.detail}`);
      if (checks.some((c) => !c.ok)) process.exitCode = 1;
    });
}
