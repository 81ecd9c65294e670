import type { Database } from '../db/index.js';
import { ConflictError, HierarchyError, NotFoundError } from '../errors/index.js';
import type { ShellModels, WorkspaceRow } from './models.js';
import { checkSlug, checkText } from './normalize.js';
import { isUniqueViolation, pgError } from './pg-errors.js';

export interface CreateWorkspaceInput {
  slug: string;
  name: string;
  /** Slug of the parent (an agency's client workspace). */
  parent?: string;
  settings?: Record<string, unknown>;
}

/**
 * Tenants. `parent_id` makes a client workspace of an agency: it drives inheritance of
 * themes and layouts and who pays, and grants nobody any access by itself.
 */
export class Workspaces {
  constructor(
    private readonly db: Database,
    private readonly models: ShellModels,
  ) {}

  async create(input: CreateWorkspaceInput): Promise<WorkspaceRow> {
    const slug = checkSlug(input.slug, 'slug');
    const name = checkText(input.name, 'name', 200) as string;
    try {
      return await this.db.app(null, async () => {
        const parent = input.parent === undefined ? null : await this.bySlug(checkSlug(input.parent, 'parent'));
        const row = await this.models.Workspace.create({
          slug,
          name,
          parentId: parent?.id ?? null,
          settings: input.settings ?? {},
        });
        return row.get({ plain: true });
      });
    } catch (err) {
      if (isUniqueViolation(err, 'workspaces_slug_key')) throw new ConflictError('slug', `a workspace "${slug}" already exists`);
      throw err;
    }
  }

  async bySlug(slug: string): Promise<WorkspaceRow> {
    const row = await this.db.app(null, () => this.models.Workspace.findOne({ where: { slug } }));
    if (!row) throw new NotFoundError('workspace', slug);
    return row.get({ plain: true });
  }

  async byId(id: string): Promise<WorkspaceRow> {
    const row = await this.db.app(null, () => this.models.Workspace.findByPk(id));
    if (!row) throw new NotFoundError('workspace', id);
    return row.get({ plain: true });
  }

  async list(): Promise<WorkspaceRow[]> {
    const rows = await this.db.app(null, () => this.models.Workspace.findAll({ order: [['slug', 'ASC']] }));
    return rows.map((r) => r.get({ plain: true }));
  }

  /** The workspace and its ancestors, nearest first (empty when it does not exist). */
  async lineage(id: string): Promise<WorkspaceRow[]> {
    const ids = await this.db.app(null, () =>
      this.db.rows<{ id: string }>(
        `WITH RECURSIVE up(id, parent_id, depth) AS (
           SELECT id, parent_id, 0 FROM workspaces WHERE id = $1
           UNION ALL SELECT w.id, w.parent_id, up.depth + 1 FROM workspaces w JOIN up ON w.id = up.parent_id
         ) SELECT id FROM up ORDER BY depth`,
        [id],
      ),
    );
    const rows = await this.db.app(null, () => this.models.Workspace.findAll({ where: { id: ids.map((r) => r.id) } }));
    const byId = new Map(rows.map((r) => [r.get('id') as string, r.get({ plain: true })]));
    return ids.map((r) => byId.get(r.id)!);
  }

  /** Moves a workspace under another (or to the top with null); refuses to make a cycle. */
  async setParent(slug: string, parentSlug: string | null): Promise<WorkspaceRow> {
    try {
      return await this.db.app(null, async () => {
        const child = await this.bySlug(checkSlug(slug, 'slug'));
        const parent = parentSlug === null ? null : await this.bySlug(checkSlug(parentSlug, 'parent'));
        if (parent && (await this.lineage(parent.id)).some((w) => w.id === child.id)) {
          throw new HierarchyError(
            slug,
            `cannot be placed under "${parentSlug}", which is ${parent.id === child.id ? 'itself' : 'one of its descendants'}`,
          );
        }
        await this.models.Workspace.update({ parentId: parent?.id ?? null }, { where: { id: child.id } });
        return { ...child, parentId: parent?.id ?? null };
      });
    } catch (err) {
      if (pgError(err).code === '23514' && !(err instanceof HierarchyError)) {
        throw new HierarchyError(slug, `cannot be placed under "${parentSlug}": that would make a cycle`);
      }
      throw err;
    }
  }
}
