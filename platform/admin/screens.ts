import './environment.js';
import type AdminJS from 'adminjs';
import type { Router } from 'express';
import type { Database } from '../db/index.js';
import type { Entities, MembershipRole } from '../entities/index.js';
import { NotFoundError } from '../errors/index.js';
import type { ModuleRuntime } from '../gateway/index.js';
import type { LayoutDefinition, Theme } from '../manifests/index.js';
import { moduleNames, type Marketplace } from '../registry/index.js';
import { adminRoutes } from './admin-routes.js';
import { contactDefaults } from './contact-screen.js';
import { moduleTableDefaults } from './module-table-screen.js';
import { screenResources, type CatalogEntry } from './resource-screens.js';
import { workspaceAdmin } from './workspace-admin.js';

export type { CatalogEntry } from './resource-screens.js';

/** Who is signed in, and in which workspace: what every admin request carries in its session. */
export interface AdminUser {
  id: string;
  email: string;
  workspaceId: string;
  workspaceSlug: string;
  /** What the top bar and the page titles call the workspace (sessions from before it was kept show the slug). */
  workspaceName?: string;
  role: MembershipRole;
  /** Whether the user signed in with a second factor (or turned it on since). */
  twoFactor?: boolean;
}

export interface Built {
  version: string;
  /** Whether this workspace or one above it requires two-factor sign-in. */
  twoFactorRequired: boolean;
  router: Router;
  admin: AdminJS;
  catalog: Map<string, CatalogEntry>;
}

export const canEdit = (role: MembershipRole): boolean => role === 'owner' || role === 'admin';

/**
 * One AdminJS per (workspace, role), generated from records: the shell entities, the tables of
 * the modules enabled in that workspace, the layouts that apply and the theme. Cached under the
 * configuration version the database keeps (moved by a trigger on every change to those
 * records), so any web process rebuilds on the next request after a change; nothing of one
 * workspace is captured where another's requests could reach it.
 */
export class AdminScreens {
  private readonly built = new Map<string, Built>();

  constructor(
    private readonly db: Database,
    private readonly entities: Entities,
    private readonly marketplace: Marketplace,
    private readonly runtime: ModuleRuntime,
  ) {}

  /** Each (user, workspace)'s role as last read, with the memberships version it was read at. */
  private readonly roles = new Map<string, { role: MembershipRole | null; membershipsVersion: string }>();

  /**
   * What each request needs to know first: the user's role in the session's workspace now
   * (memberships change; a disabled user has none) and the configuration version. `seen` holds the versions read with the
   * session: while the memberships version has not moved, the role this process read last still
   * holds; otherwise (and without `seen`) one query reads all of it again.
   */
  async check(
    user: AdminUser,
    seen?: { version: string; membershipsVersion: string },
  ): Promise<{ role: MembershipRole | null; version: string }> {
    const key = `${user.id}:${user.workspaceId}`;
    const known = this.roles.get(key);
    if (seen && known?.membershipsVersion === seen.membershipsVersion) return { role: known.role, version: seen.version };
    const [row] = await this.db.read<{ role: MembershipRole | null; version: string; membershipsVersion: string }>(
      { role: 'app' },
      `SELECT (SELECT m.role FROM plinth_user_memberships($1) AS m
                 WHERE m.workspace_id = $2 AND EXISTS (SELECT 1 FROM users WHERE id = $1 AND status = 'active')) AS role,
              version::text AS version, memberships_version::text AS "membershipsVersion"
         FROM admin_config`,
      [user.id, user.workspaceId],
    );
    if (this.roles.size > 10_000) this.roles.clear();
    const { role, version, membershipsVersion } = row!; // admin_config holds exactly one row
    this.roles.set(key, { role, membershipsVersion });
    return { role, version };
  }

  /** The screens of this workspace and role at this configuration version, rebuilt when their records changed. */
  async for(user: AdminUser, version: string): Promise<Built> {
    const key = `${user.workspaceId}:${user.role}`;
    const cached = this.built.get(key);
    if (cached?.version === version) return cached;
    const { admin, catalog, twoFactorRequired } = await this.build(user.workspaceId, user.role);
    const next = { version, admin, catalog, twoFactorRequired, router: adminRoutes(admin, canEdit(user.role)) };
    this.built.set(key, next);
    return next;
  }

  private async build(
    workspaceId: string,
    role: MembershipRole,
  ): Promise<{ admin: AdminJS; catalog: Map<string, CatalogEntry>; twoFactorRequired: boolean }> {
    const { theme, layouts, modules, twoFactorRequired, workspaceSlug } = await this.records(workspaceId);
    const editor = canEdit(role);
    const { add, resources, catalog, translations, labels } = screenResources(this.db, layouts, editor);
    add(
      'contacts',
      this.entities.models.Contact,
      { role: 'app', workspaceId },
      'workspaceId',
      contactDefaults(this.db, this.entities, workspaceId, modules, editor),
    );
    for (const { row, name } of modules) {
      const names = moduleNames(row.moduleId, this.db.roles.prefix);
      const models = this.runtime.tableModels(row);
      for (const table of row.manifest.tables ?? []) {
        add(
          `${row.moduleId}.${table.name}`,
          models[table.name]!, // defined for each of the manifest's tables
          { role: { name: names.runtimeRole }, workspaceId, schema: names.schema },
          'workspace_id',
          moduleTableDefaults(this.runtime, row, name, table, workspaceId, workspaceSlug),
        );
      }
    }
    const admin = workspaceAdmin(editor, theme, resources, labels, translations);
    return { admin, catalog, twoFactorRequired };
  }

  /** The records a workspace's screens come from, read in that workspace (policies decide what it inherits). */
  private async records(workspaceId: string): Promise<{
    workspaceSlug: string;
    theme: Theme | null;
    twoFactorRequired: boolean;
    layouts: Map<string, LayoutDefinition>;
    modules: { row: Awaited<ReturnType<Marketplace['registry']['rows']>>[number]; name: string }[];
  }> {
    const installed = await this.marketplace.registry.rows();
    return this.db.app(workspaceId, async () => {
      const lineage = await this.db.rows<{ id: string; slug: string; theme: Theme | null; requires2fa: boolean }>(
        `WITH RECURSIVE up(id, slug, parent_id, theme_id, requires2fa, depth) AS (
           SELECT id, slug, parent_id, theme_id, require_two_factor, 0 FROM workspaces WHERE id = $1
           UNION ALL SELECT w.id, w.slug, w.parent_id, w.theme_id, w.require_two_factor, up.depth + 1
             FROM workspaces w JOIN up ON w.id = up.parent_id)
         SELECT up.id, up.slug, t.definition AS theme, up.requires2fa AS "requires2fa"
           FROM up LEFT JOIN themes t ON t.id = up.theme_id ORDER BY up.depth`,
        [workspaceId],
      );
      const [fallback] = await this.db.rows<{ definition: Theme }>(
        "SELECT definition FROM themes WHERE workspace_id IS NULL AND key = 'default'",
      );
      const theme = lineage.find((w) => w.theme)?.theme ?? fallback?.definition ?? null;
      // Nearest wins: the workspace's own, then its ancestors', then the defaults; each merged over the one below.
      const depth = new Map(lineage.map((w, i) => [w.id, i]));
      const rows = await this.db.rows<{ resource: string; workspace_id: string | null; definition: LayoutDefinition }>(
        'SELECT resource, workspace_id, definition FROM layout_definitions',
      );
      const layouts = new Map<string, LayoutDefinition>();
      const rank = (w: string | null) => (w === null ? lineage.length : (depth.get(w) ?? -1));
      for (const row of rows
        .filter((r) => rank(r.workspace_id) >= 0)
        .sort((a, b) => rank(b.workspace_id) - rank(a.workspace_id))) {
        layouts.set(row.resource, { ...layouts.get(row.resource), ...row.definition });
      }
      const enabled = await this.db.rows<{ registry_id: string }>(
        'SELECT registry_id FROM module_installations WHERE workspace_id = $1 AND enabled',
        [workspaceId],
      );
      const modules = enabled
        .map((e) => installed.find((r) => r.id === e.registry_id))
        .filter((r): r is NonNullable<typeof r> => !!r)
        .map((row) => ({ row, name: row.manifest.name }));
      const own = lineage[0];
      if (!own) throw new NotFoundError('workspace', workspaceId);
      return { workspaceSlug: own.slug, theme, layouts, modules, twoFactorRequired: lineage.some((w) => w.requires2fa) };
    });
  }
}
