import { randomUUID } from 'node:crypto';
import { QueryTypes, Sequelize, Transaction, type TransactionOptions } from 'sequelize';
import type { PlinthConfig } from '../config/index.js';
import { DatabaseUnavailableError, StaleRequestError } from '../errors/index.js';
import { assumptions, HOLDS, type Assumption } from './assumption.js';
import { log } from '../log/index.js';
import { namespace } from './cls.js';
import { attachEmbedded, type EmbeddedServer } from './embedded/index.js';
import { defaultRolePrefix, quoteIdent, shellRoles, type ShellRoles } from './roles.js';

Sequelize.useCLS(namespace);

export type DatabaseMode = 'embedded' | 'server';

/**
 * Who a unit of work runs as. `app` is the application (row-level security applies);
 * `owner` is maintenance on the shell's tables; `connection` is the connecting user itself,
 * needed only to create roles and databases. A role name is a module's role.
 */
export interface Scope {
  role: 'app' | 'owner' | 'connection' | { name: string };
  /** Sets `app.workspace_id` for the transaction; null or absent leaves it empty. */
  workspaceId?: string | null;
  /** A module's schema, searched before `public` (unqualified names resolve to its tables and views). */
  schema?: string;
  /**
   * Module work: an outermost unit takes its connection from the modules' own pool (so modules
   * cannot exhaust the one sign-in, the admin and the routes use), and its statements and idle
   * time in the transaction are cut off after this many milliseconds.
   */
  moduleTimeoutMs?: number;
  /** A module's migrations, as its owner role: the one unit in which that role sees the module's rows. */
  maintenance?: boolean;
}

export class Database {
  readonly roles: ShellRoles;

  constructor(
    readonly sequelize: Sequelize,
    /** The modules' pool: same database, separate connections. */
    private readonly moduleSequelize: Sequelize,
    readonly mode: DatabaseMode,
    readonly databaseName: string,
    rolePrefix: string,
    readonly embedded?: EmbeddedServer,
  ) {
    this.roles = shellRoles(rolePrefix);
    this.scopeWithTransactionStart(sequelize);
    this.scopeWithTransactionStart(moduleSequelize);
  }

  /** Whether this runs inside a unit of work (a new unit would be a savepoint of it). */
  inUnit(): boolean {
    return Boolean(namespace.get('transaction'));
  }

  /**
   * Runs `fn` in one transaction under `scope`, with transaction-local settings only (the
   * embedded database shares session settings between connections). Inside an open unit it
   * runs in a savepoint: its scope is undone when it ends, its failure rolls back only itself.
   */
  async unit<T>(scope: Scope, fn: (transaction: Transaction) => Promise<T>): Promise<T> {
    const outer = namespace.get('transaction') as Transaction | null | undefined;
    const outerScope = namespace.get('scope') as Scope | undefined;
    const outerContext = namespace.get('moduleContext') as ModuleContext | undefined;
    const onModulePool = !outer && Boolean(scope.moduleTimeoutMs);
    // Module work records its context before its transaction starts, committed apart: the
    // transaction takes no id until it writes, so a hung handler that has not written holds back
    // no delivery. A module unit inside another records its own only if it differs.
    let context = outerContext;
    let entry: Entry = null;
    if (onModulePool) [context, entry] = [contextOf(scope), 'before'];
    else if (typeof scope.role === 'object' && !sameContext(outerContext, scope)) [context, entry] = [contextOf(scope), 'inside'];
    const start: StartOf = { scope, context, entry };
    // A savepoint hangs from the outermost transaction: Sequelize names one after its parent's
    // count of savepoints, so one made under a savepoint could take an older sibling's name, and
    // a rollback to that name would stop at the wrong savepoint.
    const options = { ...(outer && { transaction: rootOf(outer) }), plinthStart: start } as TransactionOptions;
    const pool = onModulePool ? this.moduleSequelize : this.sequelize;
    return pool.transaction(options, async (transaction) => {
      namespace.set('scope', scope);
      namespace.set('moduleContext', context);
      const result = await fn(transaction);
      if (outer && outerScope) {
        const rewrite = context !== outerContext && outerContext !== undefined;
        await this.exec(this.scopeStatement({ scope: outerScope, context: outerContext, entry: rewrite ? 'inside' : null }));
      }
      return result;
    });
  }

  /** Whether this runs inside a unit as the application role in workspace `workspaceId`. */
  inAppUnit(workspaceId: string): boolean {
    const scope = namespace.get('scope') as Scope | undefined;
    return this.inUnit() && scope?.role === 'app' && scope.workspaceId === workspaceId;
  }

  /** Shorthand for a unit as the application role. */
  app<T>(workspaceId: string | null, fn: (transaction: Transaction) => Promise<T>): Promise<T> {
    return this.unit({ role: 'app', workspaceId }, fn);
  }

  /** Maintenance on the shell's tables as their owner; logged, since the owner bypasses row-level security. */
  owner<T>(reason: string, fn: (transaction: Transaction) => Promise<T>): Promise<T> {
    log.debug({ reason, role: this.roles.owner }, 'maintenance unit as owner');
    return this.unit({ role: 'owner' }, fn);
  }

  /** Runs a statement in the current unit (there must be one) and returns its rows. */
  async rows<R extends object>(sql: string, bind: unknown[] = []): Promise<R[]> {
    if (!namespace.get('transaction')) throw new Error('query outside a unit of work');
    return this.sequelize.query<R>(sql, { bind: bindOrNone(bind), type: QueryTypes.SELECT }).catch(withMessage);
  }

  /**
   * One read statement in one round trip: the scope's settings and the statement travel as one
   * simple-protocol message, which PostgreSQL runs as one implicit transaction (the settings hold
   * for it alone; a failure undoes all of it). `$n` values are quoted in by the driver's
   * escaping. Inside a unit it is a statement of that unit, in a savepoint with this scope.
   * The first read of a request that assumed something carries the assumption's statement too,
   * and fails with StaleRequestError when it no longer holds.
   */
  async read<R extends object>(scope: Scope, sql: string, values: unknown[] = []): Promise<R[]> {
    if (namespace.get('transaction')) return this.unit(scope, () => this.rows<R>(sql, values));
    const check = assumptions.getStore();
    const assumption = check?.take();
    const statement = `${this.scopeSettings(scope, typeof scope.role === 'object' ? contextOf(scope) : undefined)} ${this.inline(sql, values)}`;
    if (!check || !assumption) return this.query<R>(statement);
    // The request's assumption rides along, checked as the application before the scope's own settings.
    const rows = this.query<Record<string, unknown>>(`${this.scopeSettings({ role: 'app' })} ${assumption.sql}; ${statement}`);
    const holds = rows.then(
      ([first]) => verdictOf(first),
      () => null,
    );
    check.tellBy(holds);
    const [, ...result] = await rows;
    if (!(await holds)) throw new StaleRequestError();
    return result as R[];
  }

  /** Whether an assumption holds, checked on its own. */
  async holds(assumption: Assumption): Promise<boolean> {
    const [row] = await this.query<Record<string, unknown>>(`${this.scopeSettings({ role: 'app' })} ${assumption.sql}`);
    return verdictOf(row) === true;
  }

  private query<R extends object>(text: string): Promise<R[]> {
    return this.sequelize.query<R>(text, { type: QueryTypes.SELECT }).catch(withMessage);
  }

  /**
   * A statement with its `$n` values quoted in by the driver's escaping, in one pass (a value's
   * text is never scanned again): for the simple protocol, which takes no parameters.
   */
  inline(sql: string, values: unknown[]): string {
    return sql.replace(/\$(\d+)\b/g, (_, n: string) => this.sequelize.escape(values[Number(n) - 1] as string));
  }

  /** Runs a statement in the current unit (there must be one), ignoring its result. */
  async exec(sql: string, bind: unknown[] = []): Promise<void> {
    if (!namespace.get('transaction')) throw new Error('query outside a unit of work');
    await this.sequelize.query(sql, { bind: bindOrNone(bind), type: QueryTypes.RAW }).catch(withMessage);
  }

  /** The workspace of the unit this runs in; refused outside one, or in one without a workspace. */
  currentWorkspace(): string {
    const scope = namespace.get('scope') as Scope | undefined;
    if (!scope?.workspaceId) throw new Error('no workspace in this unit of work');
    return scope.workspaceId;
  }

  /** Runs `fn` once the outermost transaction of the current unit has committed (savepoints do not count). */
  afterCommit(fn: () => void): void {
    const current = namespace.get('transaction') as Transaction | undefined;
    if (!current) throw new Error('afterCommit outside a unit of work');
    const root = rootOf(current);
    // Sequelize also runs these hooks after a failed commit; callers use them only for wake-ups,
    // where a spurious one costs an empty poll.
    root.afterCommit(() => fn());
  }

  /** Whether a trivial transaction completes within `timeoutMs`, and if not, why. */
  async probe(timeoutMs = 3000): Promise<{ reachable: true } | { reachable: false; error: string }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<{ reachable: false; error: string }>((resolve) => {
      timer = setTimeout(() => resolve({ reachable: false, error: `no answer within ${timeoutMs} ms` }), timeoutMs);
    });
    const attempt = this.unit({ role: 'connection' }, () => this.rows('SELECT 1')).then(
      () => ({ reachable: true as const }),
      (err: Error) => ({ reachable: false as const, error: (err as { parent?: Error }).parent?.message || err.message }),
    );
    try {
      return await Promise.race([attempt, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.moduleSequelize.close();
    await this.sequelize.close();
    await this.embedded?.stop();
  }

  private roleName(role: Scope['role']): string {
    if (role === 'app') return this.roles.app;
    if (role === 'owner') return this.roles.owner;
    if (role === 'connection') return 'none';
    return role.name;
  }

  /**
   * The transaction-local settings of a unit, with its values quoted in: one statement, after
   * the one recording a module's context when the unit records it inside its transaction.
   */
  private scopeStatement({ scope, context, entry }: StartOf): string {
    const literal = (value: string) => this.sequelize.escape(value);
    const searchPath = searchPathOf(scope);
    const limits = scope.moduleTimeoutMs
      ? `, set_config('statement_timeout', '${Math.round(scope.moduleTimeoutMs)}', true), set_config('idle_in_transaction_session_timeout', '${Math.round(2 * scope.moduleTimeoutMs)}', true)`
      : '';
    const token = context ? `, set_config('plinth.context', ${literal(context.token)}, true)` : '';
    return `${entry === 'inside' ? this.enterContext(context!) : ''}SELECT set_config('role', ${literal(this.roleName(scope.role))}, true), set_config('app.workspace_id', ${literal(
      scope.workspaceId ?? '',
    )}, true), set_config('search_path', ${literal(searchPath)}, true)${token}${limits}`;
  }

  /**
   * Records a module's context (0016-module-identity), where row-level security reads module
   * roles' workspace: as the application, the one role allowed to. Runs in the current
   * transaction; SET LOCAL ROLE lasts until the unit's own role is set after it.
   */
  private enterContext(context: ModuleContext): string {
    const workspace = context.workspaceId ? this.sequelize.escape(context.workspaceId) : 'NULL';
    return `SET LOCAL ROLE ${quoteIdent(this.roles.app)}; CALL public.plinth_enter_workspace(${this.sequelize.escape(context.token)}, ${workspace}, ${context.maintenance}); `;
  }

  /** The same settings as statements that return no rows, for `read`: a module's role records its context first. */
  private scopeSettings(scope: Scope, context?: ModuleContext): string {
    const role = this.roleName(scope.role);
    return [
      context ? `${this.enterContext(context)}SET LOCAL plinth.context = ${this.sequelize.escape(context.token)};` : '',
      `SET LOCAL ROLE ${role === 'none' ? 'NONE' : quoteIdent(role)};`,
      `SET LOCAL app.workspace_id = ${this.sequelize.escape(scope.workspaceId ?? '')};`,
      `SET LOCAL search_path = ${searchPathOf(scope)};`,
    ].join(' ');
  }

  /**
   * A unit's scope goes in the same round trip as its START TRANSACTION (or SAVEPOINT): one
   * simple-protocol message with both statements, so every unit costs a round trip less.
   */
  private scopeWithTransactionStart(sequelize: Sequelize): void {
    const generator = sequelize.getQueryInterface().queryGenerator as {
      startTransactionQuery(transaction: Transaction): string;
    };
    const start = generator.startTransactionQuery.bind(generator);
    generator.startTransactionQuery = (transaction) => {
      const unit = (transaction as unknown as { options: { plinthStart?: StartOf } }).options.plinthStart;
      if (!unit) return start(transaction);
      const before = unit.entry === 'before' ? `BEGIN; ${this.enterContext(unit.context!)}COMMIT; ` : '';
      return `${before}${start(transaction)} ${this.scopeStatement(unit)};`;
    };
  }
}

/** Who a module unit is, for row-level security: its workspace, whether it is the module's migrations, and the token that finds them. */
interface ModuleContext {
  token: string;
  workspaceId: string | null;
  maintenance: boolean;
}

/** Where a unit records its module context: before its transaction (committed apart), inside it, or not at all. */
type Entry = 'before' | 'inside' | null;

/** What a unit's start sets: its scope, and its module context with where it is recorded. */
interface StartOf {
  scope: Scope;
  context: ModuleContext | undefined;
  entry: Entry;
}

const contextOf = (scope: Scope): ModuleContext => ({
  token: randomUUID(),
  workspaceId: scope.workspaceId ?? null,
  maintenance: Boolean(scope.maintenance),
});

const sameContext = (context: ModuleContext | undefined, scope: Scope): boolean =>
  context !== undefined &&
  context.workspaceId === (scope.workspaceId ?? null) &&
  context.maintenance === Boolean(scope.maintenance);

/** A unit's search path: the module's schema (or the role's own), then public; temporary objects last, never first. */
const searchPathOf = (scope: Scope): string => `${scope.schema ? quoteIdent(scope.schema) : '"$user"'}, public, pg_temp`;

/** An assumption's row says whether it held; null when the row is not one (the read did not carry it). */
const verdictOf = (row: Record<string, unknown> | undefined): boolean | null =>
  typeof row?.[HOLDS] === 'boolean' ? row[HOLDS] : null;

/** Sequelize builds its query errors' stacks without their message: put PostgreSQL's words back where people read. */
function withMessage(err: Error): never {
  if (err.stack && !err.stack.includes(err.message))
    err.stack = `${err.name}: ${err.message}\n${err.stack.split('\n').slice(1).join('\n')}`;
  throw err;
}

/** Sequelize rewrites `$$` to `$` whenever `bind` is given, which breaks dollar-quoted bodies. */
const bindOrNone = (bind: unknown[]): unknown[] | undefined => (bind.length > 0 ? bind : undefined);

/** Opens the configured database: the server at DATABASE_URL, or the embedded one in the data dir. */
export async function openDatabase(config: PlinthConfig): Promise<Database> {
  const options = (max: number, name: string) => ({
    dialect: 'postgres' as const,
    logging: false as const,
    pool: { max, min: 0, acquire: 30_000, idle: 10_000 },
    define: { underscored: true },
    dialectOptions: { application_name: name },
  });
  if (config.databaseUrl) {
    const url = new URL(config.databaseUrl);
    const name = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres';
    return new Database(
      new Sequelize(config.databaseUrl, options(config.poolMax, 'plinth')),
      new Sequelize(config.databaseUrl, options(config.modulePoolMax, 'plinth-modules')),
      'server',
      name,
      config.rolePrefix ?? defaultRolePrefix('server', name),
    );
  }
  const embedded = await attachEmbedded(config.dataDir, Math.max(64, (config.poolMax + config.modulePoolMax) * 4));
  const local = (max: number, name: string) =>
    new Sequelize('postgres', 'postgres', '', { ...options(max, name), host: '127.0.0.1', port: embedded.port });
  return new Database(
    local(config.poolMax, 'plinth'),
    local(config.modulePoolMax, 'plinth-modules'),
    'embedded',
    'postgres',
    config.rolePrefix ?? defaultRolePrefix('embedded', 'postgres'),
    embedded,
  );
}

export { DatabaseUnavailableError };

/** The transaction a savepoint belongs to. */
function rootOf(transaction: Transaction): Transaction {
  let root = transaction as Transaction & { parent?: Transaction };
  while (root.parent) root = root.parent;
  return root;
}
