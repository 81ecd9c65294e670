import './environment.js';
import AdminJS, { type ActionContext, type ResourceWithOptions } from 'adminjs';
import type { Router } from 'express';
import type { Database } from '../db/index.js';
import { CHANNELS, STATUSES, WARMTHS, type Entities, type MembershipRole } from '../entities/index.js';
import type { ModuleRuntime, TableChange } from '../gateway/index.js';
import { NotFoundError } from '../errors/index.js';
import type { LayoutDefinition, Theme } from '../manifests/index.js';
import { moduleNames, type Marketplace } from '../registry/index.js';
import { adminRoutes } from './admin-routes.js';
import { arrayFilterProperties } from './array-filters.js';
import { bulkDelete } from './bulk-delete.js';
import { contactConditions } from './contact-search.js';
import { NEW_CONTACT_FIELDS, newContact } from './new-contact.js';
import { ScopedResource, type AnyModel, type ResourceScope } from './scoped-resource.js';
import { componentLoader, UI } from './ui.js';
import { referenceProperties } from './references.js';
import { webFormProperties } from './web-form-screens.js';

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

/** One resource of a workspace's screens, as the studio (layout editor, dashboard) needs it. */
export interface CatalogEntry {
  id: string;
  label: string;
  resource: ScopedResource;
  /** Every property the resource has, the workspace column excepted: what a layout may name. */
  properties: string[];
  /** The layout that applies (defaults, then ancestors, then the workspace's own), if any. */
  layout?: LayoutDefinition;
}

export interface Built {
  version: string;
  /** Whether this workspace or one above it requires two-factor sign-in. */
  twoFactorRequired: boolean;
  router: Router;
  admin: AdminJS;
  catalog: Map<string, CatalogEntry>;
}

/** The values a string column may hold, when its schema lists them (`enum`). */
function choicesOf(column: object): string[] | undefined {
  const values = (column as { type?: string; enum?: unknown[] }).enum;
  return (column as { type?: string }).type === 'string' && values?.every((v) => typeof v === 'string') ? values : undefined;
}

export const canEdit = (role: MembershipRole): boolean => role === 'owner' || role === 'admin';

/** The studio's pages; the event log shows every role, the editors only those who may change what they edit. */
const PAGES = {
  marketplace: { component: UI.Marketplace, icon: 'ShoppingBag', label: 'Marketplace', editors: true },
  layouts: { component: UI.LayoutEditor, icon: 'Layout', label: 'Layout editor', editors: true },
  theme: { component: UI.ThemeEditor, icon: 'Droplet', label: 'Theme editor', editors: true },
  events: { component: UI.EventLog, icon: 'Activity', label: 'Event log', editors: false },
};

const ROOT = '/admin';
/** Without a logo AdminJS shows its own; with `false` it shows the company name. */
const FALLBACK_BRANDING = { companyName: 'Plinth', withMadeWithLove: false, logo: false as const };

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
    const resources: ResourceWithOptions[] = [];
    const catalog = new Map<string, CatalogEntry>();
    const translations: Record<string, { properties: Record<string, string> }> = {};
    const labels: Record<string, string> = {};
    const add = (
      id: string,
      model: AnyModel,
      unit: ResourceScope['unit'],
      workspaceKey: string,
      defaults: {
        group: string;
        creatable: boolean;
        label: string;
        /** The property holding when a row was made: the default sort, on an index. */
        created: string;
        list?: string[];
        actions?: Record<string, object>;
        onChange?: ResourceScope['onChange'];
        jsonText?: string[];
        hidden?: string[];
        rowSchema?: ResourceScope['rowSchema'];
        choices?: ResourceScope['choices'];
        /** Property labels the manifest gives (`x-plinth-label`); a layout's labels win. */
        labels?: Record<string, string>;
        conditions?: ResourceScope['conditions'];
        create?: ResourceScope['create'];
        /** Options of single properties (how they show). */
        properties?: Record<string, object>;
      },
    ): void => {
      const shown = (names?: string[]) => names?.filter((name) => !defaults.hidden?.includes(name));
      const layout = layouts.get(id);
      const sort = layout?.sort
        ? { sortBy: layout.sort.property, direction: layout.sort.direction ?? 'asc' }
        : { sortBy: defaults.created, direction: 'desc' as const };
      const resource = new ScopedResource(model, {
        db: this.db,
        unit,
        id,
        workspaceKey,
        sort,
        onChange: defaults.onChange,
        jsonText: defaults.jsonText,
        hidden: defaults.hidden,
        rowSchema: defaults.rowSchema,
        choices: defaults.choices,
        conditions: defaults.conditions,
        create: defaults.create,
      });
      const offMenu = layout?.navigation?.hidden === true;
      resources.push({
        resource,
        options: {
          id,
          navigation: offMenu ? false : { name: layout?.navigation?.group ?? defaults.group, icon: layout?.navigation?.icon },
          ...((layout?.list ?? defaults.list) && { listProperties: shown(layout?.list ?? defaults.list) }),
          ...(layout?.show && { showProperties: shown(layout.show) }),
          ...(layout?.edit && { editProperties: shown(layout.edit) }),
          ...(layout?.filter && { filterProperties: shown(layout.filter) }),
          sort,
          properties: {
            [workspaceKey]: { isVisible: false },
            ...Object.fromEntries((defaults.jsonText ?? []).map((column) => [column, { type: 'textarea' }])),
            ...Object.fromEntries(
              Object.entries(defaults.choices ?? {}).map(([column, values]) => [
                column,
                { availableValues: values.map((value) => ({ value, label: value })) },
              ]),
            ),
            ...defaults.properties,
          },
          actions: {
            new: { isAccessible: editor && defaults.creatable },
            edit: { isAccessible: editor },
            delete: { isAccessible: editor },
            bulkDelete: { isAccessible: editor, handler: bulkDelete },
            ...defaults.actions,
          },
        },
      });
      labels[id] = layout?.label ?? defaults.label;
      const properties = resource
        .properties()
        .map((p) => p.name())
        .filter((name) => name !== workspaceKey);
      catalog.set(id, { id, label: labels[id], resource, properties, layout });
      const propertyLabels = { ...defaults.labels, ...layout?.labels };
      if (Object.keys(propertyLabels).length > 0) translations[id] = { properties: propertyLabels };
    };

    add('contacts', this.entities.models.Contact, { role: 'app', workspaceId }, 'workspaceId', {
      group: 'People',
      label: 'Contacts',
      created: 'createdAt',
      creatable: true,
      // Made through the shell's upsert, which keeps identities in step, not by the model's insert.
      create: newContact(this.db, this.entities.contacts, workspaceId),
      conditions: contactConditions,
      choices: { qualificationStatus: STATUSES, warmth: WARMTHS, preferredChannel: CHANNELS },
      properties: {
        ...arrayFilterProperties(['emails', 'phones']),
        consent: { components: { show: UI.ConsentValue } },
        provenance: {
          components: { show: UI.ProvenanceValue },
          // Which module captured the contact, by the name its manifest gives.
          custom: { moduleNames: Object.fromEntries(modules.map(({ row, name }) => [row.moduleId, name])) },
        },
      },
      // Without a layout AdminJS would list the first columns, JSON objects among them, which a list cell cannot show.
      list: ['name', 'organization', 'emails', 'phones', 'qualificationStatus', 'createdAt'],
      actions: {
        list: { component: UI.ContactList },
        new: { isAccessible: editor, component: UI.NewContact, custom: { fields: NEW_CONTACT_FIELDS } },
        timeline: {
          actionType: 'record',
          icon: 'Clock',
          component: UI.ContactTimeline,
          handler: async (_request: unknown, _response: unknown, context: ActionContext) => ({
            record: context.record!.toJSON(context.currentAdmin),
          }),
        },
        // Two records of one person become one, with every module's rows (decision 0027).
        merge: {
          actionType: 'record',
          icon: 'GitMerge',
          isAccessible: editor,
          component: UI.ContactMerge,
          handler: async (_request: unknown, _response: unknown, context: ActionContext) => ({
            record: context.record!.toJSON(context.currentAdmin),
          }),
        },
      },
    });
    for (const { row, name } of modules) {
      const names = moduleNames(row.moduleId, this.db.roles.prefix);
      const models = this.runtime.tableModels(row);
      for (const table of row.manifest.tables ?? []) {
        const columns = Object.entries(table.schema.properties);
        const hidden = columns.filter(([, column]) => column['x-plinth-hidden'] === true).map(([name]) => name);
        add(
          `${row.moduleId}.${table.name}`,
          models[table.name]!, // defined for each of the manifest's tables
          { role: { name: names.runtimeRole }, workspaceId, schema: names.schema },
          'workspace_id',
          {
            group: name,
            // A required column the admin may not write can only be filled by the module itself.
            creatable: !hidden.some((column) => table.schema.required?.includes(column)),
            created: 'created_at',
            label: table.label ?? table.name,
            // Without a layout: the manifest's columns in its order, then when the row was made.
            list: [
              ...columns
                .map(([name]) => name)
                .filter((name) => !hidden.includes(name))
                .slice(0, 6),
              'created_at',
            ],
            hidden,
            rowSchema: table.schema,
            choices: Object.fromEntries(
              columns.flatMap(([name, column]): [string, string[]][] => {
                const values = choicesOf(column);
                return values ? [[name, values]] : [];
              }),
            ),
            labels: Object.fromEntries(
              columns.flatMap(([name, column]) => (column['x-plinth-label'] ? [[name, column['x-plinth-label']]] : [])),
            ),
            ...(table.onChange && {
              onChange: (change: TableChange) => this.runtime.tableChanged(row, table.name, workspaceId, change),
            }),
            jsonText: columns.filter(([, column]) => column.type === 'object').map(([name]) => name),
            properties: {
              ...arrayFilterProperties(columns.filter(([, column]) => column.type === 'array').map(([name]) => name)),
              ...referenceProperties(
                row.moduleId,
                columns,
                (row.manifest.tables ?? []).map((t) => t.name),
              ),
              ...(table.webForm && webFormProperties(row.moduleId, workspaceSlug, table.webForm)),
            },
          },
        );
      }
    }

    const pages = Object.entries(PAGES).filter(([, page]) => editor || !page.editors);
    const admin = new AdminJS({
      rootPath: ROOT,
      componentLoader,
      dashboard: { component: UI.Dashboard },
      pages: Object.fromEntries(pages.map(([name, page]) => [name, { component: page.component, icon: page.icon }])),
      loginPath: `${ROOT}/login`,
      logoutPath: `${ROOT}/logout`,
      resources,
      branding: {
        ...FALLBACK_BRANDING,
        ...theme?.branding,
        ...(theme?.colors && { theme: { colors: theme.colors } }),
      },
      locale: {
        language: 'en',
        translations: {
          en: {
            labels,
            pages: Object.fromEntries(pages.map(([name, page]) => [name, page.label])),
            actions: { timeline: 'Timeline' },
            resources: translations,
          },
        },
      },
    });
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
