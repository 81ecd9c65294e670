import { Resource as SequelizeResource } from '@adminjs/sequelize';
import { BaseRecord, NotFoundError as AdminNotFound, ValidationError as AdminValidationError, type Filter } from 'adminjs';
import { Model, Op, type ModelStatic, type WhereOptions } from 'sequelize';
import type { Database, Scope } from '../db/index.js';

export type AnyModel = ModelStatic<Model<Record<string, unknown>, Record<string, unknown>>>;

export interface ResourceScope {
  db: Database;
  /** The unit every query runs in: its role and its workspace (row-level security holds too). */
  unit: Scope & { workspaceId: string };
  /** The resource's id on screens and in URLs: `contacts`, or `<module id>.<table>`. */
  id: string;
  /** The model attribute holding the workspace (`workspaceId` on shell models, `workspace_id` on modules'). */
  workspaceKey: string;
  /** The default sort, on an indexed column. */
  sort: { sortBy: string; direction: 'asc' | 'desc' };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const likeEscape = (value: string): string => value.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * A Sequelize resource bound to one workspace. Every read and write names the workspace in its
 * WHERE clause and runs in a unit of that workspace (and role), so neither a crafted URL, a
 * search on any property, an injected filter nor a form field can reach another workspace's
 * rows: the query says so, and row-level security says so again.
 */
export class ScopedResource extends SequelizeResource {
  constructor(
    private readonly model: AnyModel,
    private readonly scope: ResourceScope,
  ) {
    super(model as unknown as typeof Model);
  }

  override id(): string {
    return this.scope.id;
  }

  private within<T>(fn: () => Promise<T>): Promise<T> {
    return this.scope.db.unit(this.scope.unit, fn);
  }

  private get workspace(): Record<string, string> {
    return { [this.scope.workspaceKey]: this.scope.unit.workspaceId };
  }

  /** The filter's conditions, without any on the workspace, and the workspace's. */
  private where(filter?: Filter): WhereOptions {
    const conditions: WhereOptions[] = [this.workspace];
    for (const element of Object.values(filter?.filters ?? {})) {
      if (element.path.split('.')[0] === this.scope.workspaceKey) {
        // Asking for this workspace changes nothing; asking for another finds nothing.
        if (String(element.value) !== this.scope.unit.workspaceId) return { [Op.and]: [this.workspace, { id: null }] };
        continue;
      }
      const condition = this.condition(element.path, element.value as unknown);
      if (condition === null) return { [Op.and]: [this.workspace, { id: null }] };
      conditions.push(condition);
    }
    return { [Op.and]: conditions };
  }

  /** One filter element as a condition on its column's type; null when the value cannot match that type. */
  private condition(path: string, value: unknown): WhereOptions | null {
    const attribute = this.model.getAttributes()[path.split('.')[0]];
    if (!attribute) return null;
    const type = (attribute.type as { key?: string }).key ?? '';
    if (value && typeof value === 'object') {
      const { from, to } = value as { from?: string; to?: string };
      if (!from && !to) return null;
      return { [path]: { ...(from && { [Op.gte]: from }), ...(to && { [Op.lte]: to }) } };
    }
    const text = String(value);
    switch (type) {
      case 'STRING':
      case 'TEXT':
      case 'CITEXT':
        return { [path]: { [Op.iLike]: `%${likeEscape(text)}%` } };
      case 'UUID':
        return UUID.test(text) ? { [path]: text } : null;
      case 'ARRAY':
        return { [path]: { [Op.contains]: [text] } };
      case 'INTEGER':
      case 'BIGINT':
      case 'DOUBLE':
      case 'DECIMAL':
        return /^-?\d+(\.\d+)?$/.test(text) ? { [path]: Number(text) } : null;
      case 'BOOLEAN':
        return text === 'true' || text === 'false' ? { [path]: text === 'true' } : null;
      case 'DATE':
      case 'DATEONLY':
        return Number.isNaN(Date.parse(text)) ? null : { [path]: text };
      default:
        return null; // JSON and the like: no condition says what the search meant, so nothing matches
    }
  }

  /** Form values without the workspace or the key: those are the scope's, never the caller's. */
  private values(params: Record<string, unknown>): Record<string, unknown> {
    const parsed = this.parseParams(params) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(parsed).filter(([k]) => k !== 'id' && k.split('.')[0] !== this.scope.workspaceKey));
  }

  override async count(filter: Filter): Promise<number> {
    return this.within(() => this.model.count({ where: this.where(filter) }));
  }

  override async find(
    filter: Filter,
    {
      limit = 20,
      offset = 0,
      sort = {},
    }: { limit?: number; offset?: number; sort?: { sortBy?: string; direction?: 'asc' | 'desc' } },
  ): Promise<BaseRecord[]> {
    const sortBy = sort.sortBy && this.model.getAttributes()[sort.sortBy] ? sort.sortBy : this.scope.sort.sortBy;
    const direction = (sort.direction ?? this.scope.sort.direction) === 'asc' ? 'ASC' : 'DESC';
    const rows = await this.within(() =>
      this.model.findAll({
        where: this.where(filter),
        limit: Math.min(limit, 500),
        offset,
        order: [
          [sortBy, direction],
          ['id', direction],
        ],
      }),
    );
    return rows.map((row) => new BaseRecord(row.toJSON(), this));
  }

  private async one(id: string): Promise<Model<Record<string, unknown>> | null> {
    if (!UUID.test(id)) return null;
    return this.model.findOne({ where: { id, ...this.workspace } });
  }

  override async findOne(id: string): Promise<BaseRecord | null> {
    const row = await this.within(() => this.one(id));
    return row ? new BaseRecord(row.toJSON(), this) : null;
  }

  override async findMany(ids: (string | number)[]): Promise<BaseRecord[]> {
    const wanted = ids.map(String).filter((id) => UUID.test(id));
    const rows = await this.within(() => this.model.findAll({ where: { id: { [Op.in]: wanted }, ...this.workspace } }));
    return rows.map((row) => new BaseRecord(row.toJSON(), this));
  }

  override async findById(id: string): Promise<Model<Record<string, unknown>> | null> {
    return this.within(() => this.one(id));
  }

  override async create(params: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.within(async () => {
      try {
        const row = await this.model.create({ ...this.values(params), ...this.workspace });
        return row.toJSON();
      } catch (err) {
        throw refusal(err);
      }
    });
  }

  override async update(id: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.within(async () => {
      const row = await this.one(id);
      if (!row) throw new AdminNotFound(`no record ${id} here`, 'update');
      try {
        await row.update(this.values(params));
      } catch (err) {
        throw refusal(err);
      }
      return row.toJSON();
    });
  }

  override async delete(id: string): Promise<void> {
    await this.within(async () => {
      const row = await this.one(id);
      if (!row) throw new AdminNotFound(`no record ${id} here`, 'delete');
      await row.destroy();
    });
  }
}

/** A database refusal as a form error naming the field, where PostgreSQL names one. */
function refusal(err: unknown): unknown {
  const e = err as {
    name?: string;
    errors?: { path?: string; message: string }[];
    parent?: { column?: string; message?: string };
  };
  if (e.name === 'SequelizeValidationError' || e.name === 'SequelizeUniqueConstraintError') {
    const fields = Object.fromEntries((e.errors ?? []).map((x) => [x.path ?? 'record', { message: x.message }]));
    return new AdminValidationError(fields, { message: 'the record was refused' });
  }
  if (e.name === 'SequelizeDatabaseError' && e.parent?.message) {
    return new AdminValidationError(
      { [e.parent.column ?? 'record']: { message: e.parent.message } },
      { message: e.parent.message },
    );
  }
  return err;
}
