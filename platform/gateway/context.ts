import type { Logger } from 'pino';
import type { PlinthConfig } from '../config/index.js';
import { querySql, type Database } from '../db/index.js';
import {
  CONTACT_COLUMNS,
  type Contact,
  type ContactInput,
  type Entities,
  type UpsertResult,
  type WorkspaceRow,
} from '../entities/index.js';
import type { EventBus, StoredEvent } from '../events/index.js';
import { NotFoundError, PlinthError } from '../errors/index.js';
import { log } from '../log/index.js';
import { DataSchemas, describeErrors, VendorSchemas, type PluginManifest } from '../manifests/index.js';
import { LifecycleError, moduleNames, type Marketplace, type RegistryRow } from '../registry/index.js';
import { Sandbox, type HostOperations, type JsonText } from '../sandbox/index.js';
import { checkModuleStatement, loadSqlGuard } from '../sql-guard/index.js';
import { CapabilityError, GatewayError, GatewayProviderError, ModuleNotEnabledError } from './errors.js';
import { moduleRoot } from './handlers.js';
import { ModuleSlots } from './module-slots.js';
import { defineModuleModels, type ModuleModel } from './models.js';

type Capability = PluginManifest['capabilities']['requires'][number];

/** Everything plugin code may touch, bound to one module, one workspace and one transaction. */
export interface ModuleContext {
  module: { id: string; version: string };
  workspace: Pick<WorkspaceRow, 'id' | 'slug' | 'name'>;
  /** The contact the work is about, resolved by the shell, when one was given. */
  contact: Contact | null;
  settings: Record<string, unknown>;
  log: Logger;
  /** Its declared tables as Sequelize models, under its role and its workspace. */
  models: Record<string, ModuleModel>;
  /** SQL under the module's runtime role; unqualified names resolve to its own tables first. Rows come back as JSON values. */
  query<R extends object = Record<string, unknown>>(sql: string, bind?: unknown[]): Promise<R[]>;
  /** Waits for a lock on `key` held until the transaction ends; keys are the module's own, in this workspace. */
  lock(key: string): Promise<void>;
  contacts: {
    /** Needs `contacts:read`; read through the module's view, so row-level security applies. */
    get(id: string): Promise<Contact>;
    /** Needs `contacts:write`; the shell writes, recording this module as the source. */
    upsert(input: Omit<ContactInput, 'source'> & { channel?: string; ref?: string }): Promise<UpsertResult>;
  };
  /**
   * Checks a value against a JSON Schema the module keeps as data (a form's fields): the problems
   * with their JSON paths, none when it holds. Throws when the schema itself is not usable.
   */
  validate(schema: object, value: unknown): { path: string; message: string }[];
  gateways: {
    /** Calls another module's declared gateway; the caller must declare a dependency on it. */
    call<O = unknown>(name: string, input: unknown): Promise<O>;
  };
  events: {
    /** Needs `events:emit`; a name the manifest declares, a payload its schema admits; written in this transaction. */
    emit(name: string, payload: unknown, options?: { contactId?: string; idempotencyKey?: string }): Promise<StoredEvent>;
  };
}

export interface RunOptions {
  workspaceId: string;
  contactId?: string;
  /**
   * Delivering an event written while the module was enabled: its subscriber set was fixed
   * then, so a later disable does not drop it.
   */
  delivery?: boolean;
  /**
   * Platform work in the run's transaction, before the module's code: what must commit with the
   * module's writes or not at all (a signed request's signature, spent only if its handler's work is kept).
   */
  before?: () => Promise<void>;
}

/** A file of the module's package and the arguments its default export is called with (before `ctx`), or their JSON text. */
export type EntryCall = [entry: string, args: unknown[] | JsonText];

/** A row of a module table written from outside the module: what its `onChange` handler receives. */
export interface TableChange {
  action: 'created' | 'updated' | 'deleted';
  id: string;
  /** The row after the write; null once deleted. */
  row: Record<string, unknown> | null;
}

export interface ModuleRuntimeDeps {
  db: Database;
  entities: Entities;
  marketplace: Marketplace;
  config: PlinthConfig;
  bus: EventBus;
}

/**
 * The only way plugin code reaches data. Each run is one transaction (or a savepoint inside the
 * caller's) that sets the module's runtime role and the workspace, transaction-locally.
 */
export class ModuleRuntime {
  private readonly schemas = new Map<string, VendorSchemas>();
  private readonly models = new Map<string, Record<string, ModuleModel>>();
  private readonly versions = new Map<string, RegistryRow>();
  private readonly dataSchemas = new Map<string, DataSchemas>();
  readonly sandbox: Sandbox;
  private readonly slots: ModuleSlots;

  private readonly db: Database;
  private readonly entities: Entities;
  private readonly marketplace: Marketplace;
  private readonly config: PlinthConfig;
  private readonly bus: EventBus;

  constructor({ db, entities, marketplace, config, bus }: ModuleRuntimeDeps) {
    this.db = db;
    this.entities = entities;
    this.marketplace = marketplace;
    this.config = config;
    this.bus = bus;
    this.sandbox = new Sandbox({
      defaultTimeoutMs: Math.min(5000, config.moduleTimeLimitMs),
      maxTimeoutMs: config.moduleTimeLimitMs,
      defaultMemoryMb: Math.min(64, config.moduleMemoryLimitMb),
      maxMemoryMb: config.moduleMemoryLimitMb,
      maxIsolates: config.sandboxIsolates,
      // The embedded database serves one transaction at a time: a module's idle transaction would hold everyone up.
      ...(db.mode === 'embedded' && { idleMs: config.moduleIdleLimitMs }),
      network: { allowPrivate: config.moduleNetworkAllowPrivate, ca: config.moduleNetworkCa },
    });
    this.slots = new ModuleSlots(config.moduleConcurrency);
  }

  /**
   * Runs module code: the entries, one after another, in the module's sandbox for the workspace,
   * in one unit of work as the module. `inUnit` sees their results before the unit commits (a
   * throw there undoes everything they wrote).
   */
  async invoke<T = unknown[]>(
    moduleId: string,
    options: RunOptions,
    entries: EntryCall[],
    inUnit: (results: unknown[]) => T | Promise<T> = (results) => results as T,
  ): Promise<T> {
    const target = (row: RegistryRow, workspaceId: string) => ({
      registryId: row.id,
      manifest: row.manifest,
      workspaceId,
      root: () => moduleRoot(this.config, this.marketplace.registry, row),
    });
    return this.runAs(
      moduleId,
      options,
      async (ctx, row) => {
        const meta = { module: ctx.module, workspace: ctx.workspace, contact: ctx.contact, settings: ctx.settings };
        return inUnit(await this.sandbox.call(target(row, ctx.workspace.id), entries, meta, hostOperations(ctx)));
      },
      // Made (or built) before the unit's transaction opens: a cold start holds no connection.
      (row, workspaceId) => this.sandbox.ready(target(row, workspaceId)),
    );
  }

  /** A slot of module `moduleId` if one is free now: the dispatcher skips a module whose slots are all busy. */
  trySlot(moduleId: string): (() => void) | null {
    return this.slots.tryTake(moduleId);
  }

  /**
   * An outermost unit on the modules' pool, as the application in a workspace, for module work the
   * platform drives around the module's own (a delivery batch: its cursor and failures).
   */
  moduleUnit<T>(workspaceId: string, fn: () => Promise<T>): Promise<T> {
    return this.db.unit({ role: 'app', workspaceId, moduleTimeoutMs: this.config.moduleTimeLimitMs }, fn);
  }

  /** Disposes the sandboxes. */
  close(): void {
    this.sandbox.close();
  }

  /** Runs platform code `fn` with the context of module `moduleId` in a workspace where it is enabled (the seed's rows, tests). */
  run<T>(moduleId: string, options: RunOptions, fn: (ctx: ModuleContext) => Promise<T>): Promise<T> {
    return this.runAs(moduleId, options, (ctx) => fn(ctx));
  }

  private async runAs<T>(
    moduleId: string,
    options: RunOptions,
    fn: (ctx: ModuleContext, row: RegistryRow) => Promise<T>,
    ready?: (row: RegistryRow, workspaceId: string) => Promise<void>,
  ): Promise<T> {
    // One query for what a run needs to know; it runs on every delivery batch and request. A
    // delivery batch is already a unit as the application in the workspace: no savepoint for it.
    const lookup = () =>
      this.db.rows<{
        id: string;
        slug: string;
        name: string;
        registryId: string | null;
        enabled: boolean | null;
        settings: Record<string, unknown> | null;
      }>(
        `SELECT w.id, w.slug, w.name, r.id AS "registryId", mi.enabled, mi.settings
           FROM workspaces w
           LEFT JOIN module_registry r ON r.module_id = $2 AND r.status = 'installed'
           LEFT JOIN module_installations mi ON mi.workspace_id = w.id AND mi.module_id = $2
          WHERE w.id = $1`,
        [options.workspaceId, moduleId],
      );
    const [found] = this.db.inAppUnit(options.workspaceId) ? await lookup() : await this.db.app(options.workspaceId, lookup);
    if (!found) throw new NotFoundError('workspace', options.workspaceId);
    if (!found.registryId) throw new LifecycleError(moduleId, 'is not installed');
    if (!(found.enabled || (options.delivery && found.enabled !== null))) throw new ModuleNotEnabledError(moduleId, found.slug);
    const row = await this.version(moduleId, found.registryId);
    await ready?.(row, found.id);
    const contact = options.contactId ? await this.entities.contacts.get(found.id, options.contactId) : null;
    const names = moduleNames(moduleId, this.db.roles.prefix);
    const { timeoutMs } = this.sandbox.limitsOf(row.manifest);
    // Inside another unit (a gateway call, the admin's write) it is a savepoint on that unit's connection.
    const release = this.db.inUnit() ? () => {} : await this.slots.take(moduleId, timeoutMs);
    try {
      return await this.db.unit(
        { role: { name: names.runtimeRole }, workspaceId: found.id, schema: names.schema, moduleTimeoutMs: timeoutMs },
        async () => {
          await options.before?.();
          return fn(this.context(row, { id: found.id, slug: found.slug, name: found.name }, contact, found.settings ?? {}), row);
        },
      );
    } finally {
      release();
    }
  }

  /** A module version's registry row; its manifest never changes, so it is read once. */
  async version(moduleId: string, registryId: string): Promise<RegistryRow> {
    let row = this.versions.get(registryId);
    if (!row) {
      row = (await this.marketplace.registry.rows(moduleId)).find((r) => r.id === registryId);
      if (!row) throw new LifecycleError(moduleId, `has no registry row ${registryId}`);
      this.versions.set(registryId, row);
    }
    return row;
  }

  private context(
    row: RegistryRow,
    workspace: ModuleContext['workspace'],
    contact: Contact | null,
    settings: Record<string, unknown>,
  ): ModuleContext {
    const manifest = row.manifest;
    const names = moduleNames(manifest.id, this.db.roles.prefix);
    const need = (capability: Capability, what: string): void => {
      if (!manifest.capabilities.requires.includes(capability)) throw new CapabilityError(manifest.id, capability, what);
    };
    return {
      module: { id: manifest.id, version: manifest.version },
      workspace,
      contact,
      settings,
      log: log.child({ module: manifest.id, workspace: workspace.slug }),
      models: this.modelsOf(row),
      query: async <R extends object>(sql: string, bind: unknown[] = []) => {
        // Read by PostgreSQL's own parser and held to the allowlist: one plain read or write of its own.
        await loadSqlGuard();
        const statement = checkModuleStatement(sql, { schema: names.schema });
        // Then run as the runtime role by its entrance, where PostgreSQL refuses any change of role.
        const rows = await this.db.rows<{ row: R }>(querySql(names.schema), [statement.withValues(bind), statement.returnsRows]);
        return rows.map((r) => r.row);
      },
      lock: async (key) => {
        if (typeof key !== 'string' || key.length === 0 || key.length > 200)
          throw new PlinthError(
            'invalid_lock',
            `module "${manifest.id}": a lock key is a string of 1 to 200 characters`,
            manifest.id,
          );
        // Namespaced by module and workspace: no module can hold a lock the platform or another module waits for.
        await this.db.exec('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
          `module:${manifest.id}:${workspace.id}:${key}`,
        ]);
      },
      contacts: {
        get: async (id) => {
          need('contacts:read', 'read contacts');
          const [found] = await this.db.rows<Contact>(`SELECT ${CONTACT_COLUMNS} FROM contacts WHERE id = $1`, [id]);
          if (!found) throw new NotFoundError('contact', id);
          return found;
        },
        upsert: async ({ channel, ref, ...input }) => {
          need('contacts:write', 'write contacts');
          return this.entities.contacts.upsert(workspace.id, { ...input, source: { module: manifest.id, channel, ref } });
        },
      },
      validate: (schema, value) => {
        let schemas = this.dataSchemas.get(manifest.id);
        if (!schemas) this.dataSchemas.set(manifest.id, (schemas = new DataSchemas()));
        return schemas.check(schema, value);
      },
      gateways: {
        call: (name, input) => this.callGateway(manifest, workspace, name, input) as never,
      },
      events: {
        emit: async (name, payload, options = {}) => {
          need('events:emit', 'emit events');
          const producer = { id: manifest.id, manifest, registryId: row.id };
          return (
            await this.bus.emit(producer, workspace.id, name, payload, { ...options, actor: { type: 'module', id: manifest.id } })
          ).event;
        },
      },
    };
  }

  /**
   * Runs a table's declared `onChange` handler for a write made outside the module's code (the
   * admin's), as the module, inside the writer's transaction: if it fails, the write is undone.
   */
  async tableChanged(row: RegistryRow, table: string, workspaceId: string, change: TableChange): Promise<void> {
    const entry = row.manifest.tables?.find((t) => t.name === table)?.onChange;
    if (!entry) return;
    await this.invoke(row.moduleId, { workspaceId }, [[entry, [{ table, ...change }]]]);
  }

  /** A module version's table models (the admin's resources use them too). */
  tableModels(row: RegistryRow): Record<string, ModuleModel> {
    return this.modelsOf(row);
  }

  /** Defined once per module version; the workspace comes from the transaction a query runs in. */
  private modelsOf(row: RegistryRow): Record<string, ModuleModel> {
    let models = this.models.get(row.id);
    if (!models) {
      const names = moduleNames(row.moduleId, this.db.roles.prefix);
      models = defineModuleModels(this.db.sequelize, names, row.manifest, () => this.db.currentWorkspace());
      this.models.set(row.id, models);
    }
    return models;
  }

  /** A module version's compiled manifest schemas (gateways', routes' bodies): compiled once, whoever checks them. */
  schemasOf(row: RegistryRow): VendorSchemas {
    let schemas = this.schemas.get(row.id);
    if (!schemas) this.schemas.set(row.id, (schemas = new VendorSchemas()));
    return schemas;
  }

  /**
   * Validates the input on the way in, runs the provider under its own role in the same
   * workspace, and validates the output on the way out, blaming the provider for bad output.
   */
  private async callGateway(
    caller: PluginManifest,
    workspace: ModuleContext['workspace'],
    name: string,
    input: unknown,
  ): Promise<unknown> {
    const provider = (await this.marketplace.registry.rows()).find(
      (r) => r.status === 'installed' && (r.manifest.gateways ?? []).some((g) => g.name === name),
    );
    if (!provider) throw new GatewayError(name, 'no installed module provides it');
    if (!(caller.dependencies ?? {})[provider.moduleId]) {
      throw new GatewayError(
        name,
        `module "${caller.id}" did not declare a dependency on "${provider.moduleId}", which provides it`,
      );
    }
    const gateway = provider.manifest.gateways!.find((g) => g.name === name)!;
    const schemas = this.schemasOf(provider);
    const check = (schema: object, value: unknown, where: string): string | null => {
      const compiled = schemas.compile(schema);
      if ('error' in compiled) return `${where} schema ${compiled.error}`;
      if (compiled.validate(value)) return null;
      return describeErrors(compiled.validate.errors, where)
        .map((p) => `${p.path}: ${p.message}`)
        .join('; ');
    };
    const inputProblem = check(gateway.input, input, 'input');
    if (inputProblem) throw new GatewayError(name, `refused before the provider ran: ${inputProblem}`);
    const [output] = await this.invoke(provider.moduleId, { workspaceId: workspace.id }, [[gateway.handler, [input]]]);
    const outputProblem = check(gateway.output, output, 'output');
    if (outputProblem) throw new GatewayProviderError(name, provider.moduleId, outputProblem);
    return output;
  }
}

/** The operations a sandboxed call may ask for, each the host context's own, checked as it checks them. */
function hostOperations(ctx: ModuleContext): HostOperations {
  const asyncOps: Record<string, (...args: never[]) => Promise<unknown>> = {
    query: (sql: string, bind: unknown[]) => {
      if (typeof sql !== 'string') throw new TypeError('ctx.query: the statement must be a string');
      if (!Array.isArray(bind)) throw new TypeError('ctx.query: the values must be a list');
      return ctx.query(sql, bind);
    },
    lock: (key: string) => ctx.lock(key),
    'contacts.get': (id: string) => ctx.contacts.get(id),
    'contacts.upsert': (input: Parameters<ModuleContext['contacts']['upsert']>[0]) => ctx.contacts.upsert(input),
    'gateways.call': (name: string, input: unknown) => ctx.gateways.call(name, input),
    'events.emit': (name: string, payload: unknown, options: Parameters<ModuleContext['events']['emit']>[2]) =>
      ctx.events.emit(name, payload, options),
  };
  const levels = new Set(['trace', 'debug', 'info', 'warn', 'error']);
  return {
    async: (op, args) => {
      const fn = asyncOps[op];
      if (!fn) throw new TypeError(`ctx has no operation "${op}"`);
      return fn(...(args as never[]));
    },
    sync: (op, args) => {
      if (op !== 'validate') throw new TypeError(`ctx has no operation "${op}"`);
      const [schema, value] = args;
      if (!schema || typeof schema !== 'object') throw new TypeError('ctx.validate: the schema must be an object');
      return ctx.validate(schema, value);
    },
    log: (level, message, fields) => ctx.log[levels.has(level) ? (level as 'info') : 'info'](fields ?? {}, message),
  };
}
