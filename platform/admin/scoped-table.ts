import type { ActionContext } from 'adminjs';
import type { Model } from 'sequelize';
import { quoteIdent } from '../db/index.js';
import { UUID } from '../entities/index.js';
import { attributeOf, type AnyModel, type ResourceScope } from './resource-scope.js';

/**
 * A resource's table as its statements name it (quoted, hidden columns left out) and read in the
 * resource's unit: every read names the workspace.
 */
export class ScopedTable {
  constructor(
    private readonly model: AnyModel,
    private readonly scope: ResourceScope,
  ) {}

  isHidden(attribute: string): boolean {
    return this.scope.hidden?.includes(attribute) ?? false;
  }

  /** The model's definition of an attribute the admin may use: none for an unknown or hidden one (or `constructor`). */
  attribute(name: string) {
    const attributes = this.model.getAttributes();
    return this.isHidden(name) || !Object.hasOwn(attributes, name) ? undefined : attributes[name];
  }

  within<T>(fn: () => Promise<T>): Promise<T> {
    return this.scope.db.unit(this.scope.unit, fn);
  }

  get workspace(): Record<string, string> {
    return { [this.scope.workspaceKey]: this.scope.unit.workspaceId };
  }

  /** A column of this resource's table, quoted, from its attribute name. */
  column(attribute: string): string {
    return quoteIdent(this.model.getAttributes()[attribute]?.field ?? attribute);
  }

  /** The table's name, quoted, with its schema when it has one. */
  get name(): string {
    const name = this.model.getTableName() as string | { tableName: string; schema?: string };
    return typeof name === 'string' ? quoteIdent(name) : `${quoteIdent(name.schema ?? 'public')}.${quoteIdent(name.tableName)}`;
  }

  /** Attributes under their own names (every one by default): rows read by hand look like Sequelize's. */
  selectList(attributes = Object.keys(this.model.getAttributes()).filter((a) => !this.isHidden(a))): string {
    return attributes.map((a) => `${this.column(a)} AS ${quoteIdent(a)}`).join(', ');
  }

  /**
   * What a list page shows, and no more: the key, the title, the list's columns and the sort
   * column. Every other action (a record, a search, the dashboard) reads whole rows.
   */
  listAttributes(context: ActionContext | undefined, sortBy: string): string[] | undefined {
    if (context?.action?.name !== 'list') return undefined;
    const decorated = context.resource.decorate();
    const wanted = ['id', decorated.titleProperty().name(), sortBy, ...decorated.getListProperties().map((p) => p.name())];
    return [...new Set(wanted.map(attributeOf))].filter((name) => this.attribute(name));
  }

  /** One read in one round trip, in this resource's unit scope. */
  read<R extends object>(sql: string, values: unknown[]): Promise<R[]> {
    return this.scope.db.read<R>(this.scope.unit, sql, values);
  }

  /** A row as a model instance, to write through: none for an id that is no UUID or is another workspace's. */
  async one(id: string): Promise<Model<Record<string, unknown>> | null> {
    if (!UUID.test(id)) return null;
    return this.model.findOne({ where: { id, ...this.workspace } });
  }

  async findRows(ids: string[]): Promise<Record<string, unknown>[]> {
    const wanted = ids.filter((id) => UUID.test(id));
    if (wanted.length === 0) return [];
    return this.read<Record<string, unknown>>(
      `SELECT ${this.selectList()} FROM ${this.name} WHERE ${this.column(this.scope.workspaceKey)} = $1 AND ${this.column('id')} = ANY($2::uuid[])`,
      [this.scope.unit.workspaceId, wanted],
    );
  }
}
