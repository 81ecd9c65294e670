import semver from 'semver';
import { entranceStatements, quoteIdent, type Database } from '../db/index.js';
import type { Entities } from '../entities/index.js';
import { openCursor, type EventBus } from '../events/index.js';
import { log } from '../log/index.js';
import { describeErrors, VendorSchemas, type PluginManifest } from '../manifests/index.js';
import { ValidationError } from '../errors/index.js';
import { LifecycleError } from './errors.js';
import { recordLifecycle, type Actor } from './lifecycle-events.js';
import { runModuleMigrations } from './migrations.js';
import { moduleNames, type ModuleNames } from './names.js';
import { bindingOf, raiseHighWater } from './publishers.js';
import type { Registry, RegistryRow } from './registry.js';
import { applyShellAccess } from './shell-access.js';
import { columnMismatches, createTableStatements } from './tables.js';

export interface Installation {
  workspaceId: string;
  moduleId: string;
  registryId: string;
  enabled: boolean;
  settings: Record<string, unknown>;
}

/** How far back install and upgrade may go: a version older than one installed before needs `allowDowngrade`. */
export interface DowngradeOptions {
  allowDowngrade?: boolean;
}

/** What install and upgrade return: the row now installed, and the version it went back from if it was a downgrade. */
export type InstalledRow = RegistryRow & { downgradedFrom?: string };

/** Umzug wraps what a migration throws; the refusal a person should read is the cause. */
function unwrap(err: unknown): unknown {
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof LifecycleError ? cause : err;
}

/** The refusal of a downgrade: the version asked for, the one it goes back from, and how to insist. */
function refusedDowngrade(id: string, requested: string, from: string): LifecycleError {
  return new LifecycleError(
    id,
    `${requested} is older than ${from}: downgrades are refused; pass --allow-downgrade to go back to ${requested}`,
  );
}

/**
 * The module lifecycle: install (operator, platform-wide), enable and disable (per workspace),
 * upgrade and uninstall. Each step is one transaction that also records a lifecycle event.
 */
export class Lifecycle {
  constructor(
    private readonly db: Database,
    private readonly entities: Entities,
    private readonly registry: Registry,
    private readonly bus: EventBus,
  ) {}

  private names(id: string): ModuleNames {
    return moduleNames(id, this.db.roles.prefix);
  }

  private async pick(id: string, version?: string): Promise<RegistryRow> {
    const rows = await this.registry.rows(id);
    const latest = rows.at(-1);
    if (!latest) throw new LifecycleError(id, 'is not in the registry; publish it first');
    if (version === undefined) return latest;
    const row = rows.find((r) => r.version === version);
    if (!row)
      throw new LifecycleError(id, `has no published version ${version} (published: ${rows.map((r) => r.version).join(', ')})`);
    return row;
  }

  private async requireDependencies(manifest: PluginManifest): Promise<void> {
    for (const [dep, range] of Object.entries(manifest.dependencies ?? {})) {
      const installed = await this.registry.installed(dep);
      if (!installed || !semver.satisfies(installed.version, range, { includePrerelease: true })) {
        throw new LifecycleError(
          manifest.id,
          `needs ${dep} ${range} installed first${installed ? ` (installed: ${installed.version})` : ''}`,
        );
      }
    }
  }

  /**
   * Creates the module's roles, schema and declared tables, runs its migrations: all or nothing.
   * A version older than the newest ever installed (an uninstall, then an older install) is a
   * downgrade: an older version may carry what a newer one fixed, so it needs `allowDowngrade`.
   */
  async install(id: string, version: string | undefined, actor: Actor, options: DowngradeOptions = {}): Promise<InstalledRow> {
    const row = await this.pick(id, version);
    const already = await this.registry.installed(id);
    if (already) throw new LifecycleError(id, `${already.version} is already installed; use upgrade`);
    await this.requireDependencies(row.manifest);
    const pkg = await this.registry.packageOf(row);
    const names = this.names(id);
    log.info({ module: id, version: row.version, owner: names.ownerRole }, 'installing module as maintenance (connecting role)');
    try {
      return await this.db.unit({ role: 'connection' }, async () => {
        await this.registry.lock();
        const previous = (await bindingOf(this.db, id))?.highestInstalled ?? undefined;
        const downgrade = previous !== undefined && semver.lt(row.version, previous);
        if (downgrade && !options.allowDowngrade) throw refusedDowngrade(id, row.version, `${previous}, installed before`);
        await this.createRoles(names);
        await this.db.exec(
          `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(names.schema)} AUTHORIZATION ${quoteIdent(names.ownerRole)}`,
        );
        await this.db.exec(`GRANT USAGE ON SCHEMA ${quoteIdent(names.schema)} TO ${quoteIdent(names.runtimeRole)}`);
        for (const statement of entranceStatements(names)) await this.db.exec(statement);
        await this.createMissingTables(names, row.manifest);
        await applyShellAccess(this.db, names, row.manifest);
        await runModuleMigrations(this.db, names, pkg);
        await this.checkColumns(names, row.manifest);
        await this.loadScreens(row.manifest);
        await this.db.exec(`UPDATE module_registry SET status = 'installed' WHERE id = $1`, [row.id]);
        await raiseHighWater(this.db, id, row.version);
        await recordLifecycle(this.bus, 'plinth.module_installed', null, actor, { module: id, version: row.version });
        if (downgrade) {
          await recordLifecycle(this.bus, 'plinth.module_downgraded', null, actor, {
            module: id,
            from: previous,
            to: row.version,
            via: 'install',
          });
        }
        return { ...row, status: 'installed' as const, ...(downgrade && { downgradedFrom: previous }) };
      });
    } catch (err) {
      throw unwrap(err);
    }
  }

  private async createRoles(names: ModuleNames): Promise<void> {
    for (const role of [names.ownerRole, names.runtimeRole]) {
      await this.db.exec(`DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN
          CREATE ROLE ${quoteIdent(role)} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
        END IF;
      END $$`);
    }
    // A module's rows belong to a workspace: its tables reference the shell's.
    await this.db.exec(`GRANT REFERENCES (id) ON public.workspaces TO ${quoteIdent(names.ownerRole)}`);
    // No temporary objects: one in a pooled (or the embedded, shared) session could stand in for a
    // shell table. PUBLIC lost TEMPORARY in 0014-safe-definers; this says so for these roles too.
    await this.db.exec(`DO $$ BEGIN
      EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM %I, %I', current_database(), '${names.ownerRole}', '${names.runtimeRole}');
    END $$`);
  }

  private async createMissingTables(names: ModuleNames, manifest: PluginManifest): Promise<void> {
    // Not information_schema.tables: Sequelize rewrites the rows of a query that starts like that.
    const existing = await this.db.rows<{ tablename: string }>('SELECT tablename FROM pg_tables WHERE schemaname = $1', [
      names.schema,
    ]);
    const missing = (manifest.tables ?? []).filter((t) => !existing.some((e) => e.tablename === t.name));
    if (missing.length === 0) return;
    await this.db.unit({ role: { name: names.ownerRole } }, async () => {
      for (const table of missing) for (const sql of createTableStatements(names, table)) await this.db.exec(sql);
    });
  }

  /**
   * The manifest's `screens` become the module's default layouts (rows without workspace), which
   * agencies and workspaces override; a screen the new version no longer ships is dropped.
   */
  private async loadScreens(manifest: PluginManifest): Promise<void> {
    const screens = (manifest.screens ?? []) as unknown as { resource: string }[];
    await this.db.exec(
      'DELETE FROM layout_definitions WHERE workspace_id IS NULL AND module_id = $1 AND NOT (resource = ANY($2::text[]))',
      [manifest.id, screens.map((s) => s.resource)],
    );
    for (const screen of screens) {
      await this.db.exec(
        `INSERT INTO layout_definitions (workspace_id, module_id, resource, definition) VALUES (NULL, $1, $2, $3)
         ON CONFLICT ((COALESCE(workspace_id, '00000000-0000-0000-0000-000000000000'::uuid)), resource)
         DO UPDATE SET module_id = EXCLUDED.module_id, definition = EXCLUDED.definition, version = layout_definitions.version + 1
         WHERE layout_definitions.definition IS DISTINCT FROM EXCLUDED.definition`,
        [manifest.id, screen.resource, JSON.stringify(screen)],
      );
    }
  }

  private async checkColumns(names: ModuleNames, manifest: PluginManifest): Promise<void> {
    const problems = await columnMismatches(this.db, names, manifest);
    if (problems.length > 0)
      throw new LifecycleError(manifest.id, `its tables do not match its manifest: ${problems.join('; ')}`);
  }

  /** Settings checked against the module's settings schema; `{}` when it declares none. */
  private checkSettings(manifest: PluginManifest, settings: unknown): Record<string, unknown> {
    if (manifest.settings === undefined) {
      if (settings !== undefined && Object.keys(settings as object).length > 0)
        throw new ValidationError('settings', `${manifest.id} takes no settings`);
      return {};
    }
    const value = settings ?? {};
    const compiled = new VendorSchemas().compile(manifest.settings);
    if ('error' in compiled) throw new ValidationError('settings', compiled.error);
    if (!compiled.validate(value)) {
      const [first = { path: 'settings', message: 'is not valid' }, ...more] = describeErrors(
        compiled.validate.errors,
        'settings',
      );
      // ValidationError puts the first path before the message itself.
      throw new ValidationError(first.path, [first.message, ...more.map((p) => `${p.path}: ${p.message}`)].join('; '));
    }
    return value as Record<string, unknown>;
  }

  async installations(workspaceId: string): Promise<Installation[]> {
    return this.db.app(workspaceId, () =>
      this.db.rows<Installation>(
        `SELECT workspace_id AS "workspaceId", module_id AS "moduleId", registry_id AS "registryId", enabled, settings
           FROM module_installations WHERE workspace_id = $1 ORDER BY module_id`,
        [workspaceId],
      ),
    );
  }

  /**
   * Enables an installed module for one workspace: its dependencies must be enabled there,
   * its settings must match its schema, and a paid module needs an active subscription of
   * that workspace that lists it.
   */
  async enable(id: string, workspaceSlug: string, settings: unknown, actor: Actor): Promise<Installation> {
    const row = await this.registry.installed(id);
    if (!row) throw new LifecycleError(id, 'is not installed; an operator installs it with `plinth plugin install`');
    const workspace = await this.entities.workspaces.bySlug(workspaceSlug);
    const values = this.checkSettings(row.manifest, settings);
    return this.db.app(workspace.id, async () => {
      await this.registry.lock();
      const enabled = new Set((await this.installations(workspace.id)).filter((i) => i.enabled).map((i) => i.moduleId));
      for (const dep of Object.keys(row.manifest.dependencies ?? {})) {
        if (!enabled.has(dep)) throw new LifecycleError(id, `needs ${dep} enabled in workspace "${workspaceSlug}" first`);
      }
      if (row.manifest.pricing && row.manifest.pricing.model !== 'free')
        await this.requireSubscription(id, workspace.id, workspaceSlug);
      const [installation] = await this.db.rows<Installation>(
        `INSERT INTO module_installations (workspace_id, module_id, registry_id, enabled, settings, enabled_at)
         VALUES ($1, $2, $3, true, $4, now())
         ON CONFLICT (workspace_id, module_id) DO UPDATE
           SET registry_id = EXCLUDED.registry_id, enabled = true, settings = EXCLUDED.settings, enabled_at = now(), disabled_at = NULL
         RETURNING workspace_id AS "workspaceId", module_id AS "moduleId", registry_id AS "registryId", enabled, settings`,
        [workspace.id, id, row.id, JSON.stringify(values)],
      );
      if ((row.manifest.events?.subscribes ?? []).length > 0) await openCursor(this.db, id, workspace.id);
      await recordLifecycle(this.bus, 'plinth.module_enabled', workspace.id, actor, { module: id, version: row.version });
      return installation!; // INSERT … ON CONFLICT DO UPDATE … RETURNING answers the row either way
    });
  }

  private async requireSubscription(id: string, workspaceId: string, slug: string): Promise<void> {
    const subscriptions = await this.entities.billing.subscriptions(workspaceId);
    const now = Date.now();
    const covering = subscriptions.find(
      (s) =>
        (s.status === 'active' || s.status === 'trialing') &&
        s.modules.includes(id) &&
        s.currentPeriodStart.getTime() <= now &&
        now < s.currentPeriodEnd.getTime(),
    );
    if (covering) return;
    const account = await this.entities.billing.accountFor(workspaceId);
    const held = subscriptions.map((s) => `${s.plan} (${s.status}, modules: ${s.modules.join(', ') || 'none'})`).join('; ');
    throw new LifecycleError(
      id,
      `is a paid module: workspace "${slug}" needs an active subscription covering "${id}"` +
        `${account ? ` on billing account "${account.name}"` : ' (and has no billing account)'}; ` +
        `it has ${held ? `only ${held}` : 'no subscription'}`,
    );
  }

  async disable(id: string, workspaceSlug: string, actor: Actor): Promise<void> {
    const workspace = await this.entities.workspaces.bySlug(workspaceSlug);
    await this.db.app(workspace.id, async () => {
      await this.registry.lock();
      const installations = await this.installations(workspace.id);
      if (!installations.some((i) => i.moduleId === id && i.enabled))
        throw new LifecycleError(id, `is not enabled in workspace "${workspaceSlug}"`);
      const registry = await this.registry.rows();
      const dependents = installations.filter(
        (i) =>
          i.enabled && registry.some((r) => r.id === i.registryId && Object.keys(r.manifest.dependencies ?? {}).includes(id)),
      );
      if (dependents.length > 0) {
        throw new LifecycleError(
          id,
          `${dependents.map((d) => d.moduleId).join(', ')} depend on it in workspace "${workspaceSlug}"; disable them first`,
        );
      }
      await this.db.exec(
        'UPDATE module_installations SET enabled = false, disabled_at = now() WHERE workspace_id = $1 AND module_id = $2',
        [workspace.id, id],
      );
      await recordLifecycle(this.bus, 'plinth.module_disabled', workspace.id, actor, { module: id });
    });
  }

  /**
   * Moves an installed module to a newer version: new tables, forward migrations, settings
   * re-checked. An older one only with `allowDowngrade`: its migrations do not run backwards,
   * so it goes only where its tables still match its manifest.
   */
  async upgrade(id: string, version: string | undefined, actor: Actor, options: DowngradeOptions = {}): Promise<InstalledRow> {
    const current = await this.registry.installed(id);
    if (!current) throw new LifecycleError(id, 'is not installed');
    const target = await this.pick(id, version);
    const downgrade = semver.lt(target.version, current.version);
    if (downgrade && !options.allowDowngrade) throw refusedDowngrade(id, target.version, `the installed ${current.version}`);
    if (target.version === current.version) throw new LifecycleError(id, `${current.version} is already installed`);
    await this.requireDependencies(target.manifest);
    const pkg = await this.registry.packageOf(target);
    const names = this.names(id);
    try {
      return await this.db.unit({ role: 'connection' }, async () => {
        await this.registry.lock();
        const installations = await this.db.rows<{ workspaceId: string; settings: unknown }>(
          'SELECT workspace_id AS "workspaceId", settings FROM module_installations WHERE module_id = $1',
          [id],
        );
        for (const i of installations) {
          try {
            this.checkSettings(target.manifest, i.settings);
          } catch (err) {
            throw new LifecycleError(
              id,
              `workspace ${i.workspaceId} has settings ${target.version} refuses: ${(err as Error).message}`,
            );
          }
        }
        // Made anew: whatever the module's SQL did to them, an upgrade restores them.
        for (const statement of entranceStatements(names)) await this.db.exec(statement);
        await this.createMissingTables(names, target.manifest);
        await applyShellAccess(this.db, names, target.manifest);
        await runModuleMigrations(this.db, names, pkg);
        await this.checkColumns(names, target.manifest);
        await this.loadScreens(target.manifest);
        await this.db.exec(`UPDATE module_registry SET status = 'published' WHERE id = $1`, [current.id]);
        await this.db.exec(`UPDATE module_registry SET status = 'installed' WHERE id = $1`, [target.id]);
        await this.db.exec('UPDATE module_installations SET registry_id = $2 WHERE module_id = $1', [id, target.id]);
        await raiseHighWater(this.db, id, target.version);
        const step = { module: id, from: current.version, to: target.version };
        if (downgrade) await recordLifecycle(this.bus, 'plinth.module_downgraded', null, actor, { ...step, via: 'upgrade' });
        else await recordLifecycle(this.bus, 'plinth.module_upgraded', null, actor, step);
        return { ...target, status: 'installed' as const, ...(downgrade && { downgradedFrom: current.version }) };
      });
    } catch (err) {
      throw unwrap(err);
    }
  }

  /** Uninstalls a module; its data stays unless `purge`, which drops its schema and roles. */
  async uninstall(id: string, purge: boolean, actor: Actor): Promise<void> {
    const current = await this.registry.installed(id);
    if (!current) throw new LifecycleError(id, 'is not installed');
    const names = this.names(id);
    await this.db.unit({ role: 'connection' }, async () => {
      await this.registry.lock();
      const registry = await this.registry.rows();
      const dependents = registry.filter(
        (r) => r.status === 'installed' && Object.keys(r.manifest.dependencies ?? {}).includes(id),
      );
      if (dependents.length > 0)
        throw new LifecycleError(id, `${dependents.map((d) => d.moduleId).join(', ')} depend on it; uninstall them first`);
      await this.db.exec('DELETE FROM layout_definitions WHERE workspace_id IS NULL AND module_id = $1', [id]);
      if (purge) {
        await this.db.exec('DELETE FROM module_installations WHERE module_id = $1', [id]);
        await this.db.exec(`DROP SCHEMA IF EXISTS ${quoteIdent(names.schema)} CASCADE`);
        for (const role of [names.runtimeRole, names.ownerRole]) {
          await this.db.exec(`DROP OWNED BY ${quoteIdent(role)}`);
          await this.db.exec(`DROP ROLE ${quoteIdent(role)}`);
        }
      } else {
        await this.db.exec(
          'UPDATE module_installations SET enabled = false, disabled_at = now() WHERE module_id = $1 AND enabled',
          [id],
        );
      }
      await this.db.exec(`UPDATE module_registry SET status = 'uninstalled' WHERE id = $1`, [current.id]);
      await recordLifecycle(this.bus, 'plinth.module_uninstalled', null, actor, {
        module: id,
        version: current.version,
        purged: purge,
      });
    });
  }
}
