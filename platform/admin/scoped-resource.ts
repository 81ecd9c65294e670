import { Resource as SequelizeResource } from '@adminjs/sequelize';
import { BaseRecord, NotFoundError as AdminNotFound, type ActionContext, type Filter } from 'adminjs';
import { Model } from 'sequelize';
import { ValidationError } from '../errors/index.js';
import { ChangeNotices } from './change-notices.js';
import { refusal } from './database-refusal.js';
import { ModuleRows } from './module-rows.js';
import { RecordValues } from './record-values.js';
import { ResourceConditions } from './resource-conditions.js';
import { COUNT_EXACT_UP_TO, ResourceCounts, TOTALS } from './resource-counts.js';
import { attributeOf, type AnyModel, type ResourceScope } from './resource-scope.js';
import { ScopedTable } from './scoped-table.js';

export type { AnyModel, ResourceScope } from './resource-scope.js';

/**
 * A Sequelize resource bound to one workspace. Every read and write names the workspace in its
 * WHERE clause and runs in a unit of that workspace (and role), so neither a crafted URL, a
 * search on any property, an injected filter nor a form field can reach another workspace's
 * rows: the query says so, and row-level security says so again.
 */
export class ScopedResource extends SequelizeResource {
  private readonly rows?: ModuleRows;
  private readonly table: ScopedTable;
  private readonly conditions: ResourceConditions;
  private readonly counts: ResourceCounts;
  private readonly form: RecordValues;
  private readonly notices: ChangeNotices;

  constructor(
    private readonly model: AnyModel,
    private readonly scope: ResourceScope,
  ) {
    super(model as unknown as typeof Model);
    if (scope.rowSchema) this.rows = new ModuleRows(scope.rowSchema, scope.hidden ?? []);
    this.table = new ScopedTable(model, scope);
    this.conditions = new ResourceConditions(scope, this.table);
    this.counts = new ResourceCounts(scope, this.table, this.conditions);
    this.form = new RecordValues(
      scope,
      this.rows,
      (params) => this.parseParams(params),
      (attribute) => this.table.isHidden(attribute),
    );
    this.notices = new ChangeNotices(scope, (path) => this.property(path));
  }

  override id(): string {
    return this.scope.id;
  }

  private modelProperties?: ReturnType<SequelizeResource['properties']>;

  /** The model's properties but the hidden ones, made once: AdminJS asks for them for every record's id. */
  override properties(): ReturnType<SequelizeResource['properties']> {
    return (this.modelProperties ??= super.properties().filter((p) => !this.table.isHidden(p.name())));
  }

  /** The adapter's, but for a name every object has (`constructor`), which it takes for an attribute and fails on. */
  override property(path: string): ReturnType<SequelizeResource['property']> {
    return Object.hasOwn(this.model.getAttributes(), attributeOf(path)) ? super.property(path) : null;
  }

  override count(filter: Filter): Promise<number> {
    return this.counts.count(filter);
  }

  /** Every matching row counted: for a dashboard figure, never estimated. */
  exactCount(filter?: Filter): Promise<number> {
    return this.counts.exactCount(filter);
  }

  /** A page of rows, and in the same statement what `count` will need: one round trip for a list. */
  override async find(
    filter: Filter,
    {
      limit = 20,
      offset = 0,
      sort = {},
    }: { limit?: number; offset?: number; sort?: { sortBy?: string; direction?: 'asc' | 'desc' } },
    context?: ActionContext,
  ): Promise<BaseRecord[]> {
    // AdminJS passes `perPage=abc` (and a search's `page=abc`) on as NaN: in the statement, a syntax error.
    if (!Number.isFinite(Number(limit))) throw new ValidationError('perPage', 'must be a number');
    if (!Number.isFinite(Number(offset))) throw new ValidationError('page', 'must be a number');
    const values: unknown[] = [];
    const where = this.conditions.where(filter, values, context?.action?.name === 'search');
    if (where === null) return [];
    const sortBy = sort.sortBy && this.table.attribute(sort.sortBy) ? sort.sortBy : this.scope.sort.sortBy;
    const direction = (sort.direction ?? this.scope.sort.direction) === 'asc' ? 'ASC' : 'DESC';
    const order = `${this.table.column(sortBy)} ${direction}, ${this.table.column('id')} ${direction}`;
    const window = `LIMIT ${Math.min(Math.max(Math.trunc(limit), 1), 500)} OFFSET ${Math.max(Math.trunc(offset), 0)}`;
    const columns = this.table.selectList(this.table.listAttributes(context, sortBy));
    const rows = await this.table.read<Record<string, unknown>>(
      this.conditions.ownConditionIn(filter)
        ? // A search tests every row of the workspace, which no index orders: tested once, for the count and the page.
          `WITH matching AS MATERIALIZED (SELECT ${this.table.column('id')} AS id FROM ${this.table.name} WHERE ${where})
           SELECT page.*, totals.capped AS "${TOTALS}capped", totals.estimate AS "${TOTALS}estimate"
             FROM (SELECT least(count(*), ${COUNT_EXACT_UP_TO + 1})::int AS capped, count(*) AS estimate FROM matching) AS totals
             LEFT JOIN LATERAL (
               SELECT ${columns} FROM ${this.table.name} WHERE ${this.table.column('id')} IN (SELECT id FROM matching)
                ORDER BY ${order} ${window}) AS page ON true`
        : `SELECT page.*, totals.capped AS "${TOTALS}capped", totals.estimate AS "${TOTALS}estimate"
             FROM (${this.counts.totalsQuery(where, values)}) AS totals
             LEFT JOIN LATERAL (SELECT ${columns} FROM ${this.table.name} WHERE ${where} ORDER BY ${order} ${window}) AS page ON true`,
      values,
    );
    const first = rows[0];
    if (first) this.counts.knownTotals.set(filter, { capped: first[`${TOTALS}capped`], estimate: first[`${TOTALS}estimate`] });
    return rows
      .filter((row) => row.id !== null)
      .map((row) => {
        delete row[`${TOTALS}capped`];
        delete row[`${TOTALS}estimate`];
        return new BaseRecord(this.form.asText(row), this);
      });
  }

  /** A record, with what breaks its table's declared schema shown beside the fields (a row written before the checks, or by SQL). */
  override async findOne(id: string): Promise<BaseRecord | null> {
    const [row] = await this.table.findRows([id]);
    if (!row) return null;
    const problems = this.rows?.problems(row);
    const record = new BaseRecord(this.form.asText(row), this);
    if (problems) record.errors = problems;
    return record;
  }

  override async findMany(ids: (string | number)[]): Promise<BaseRecord[]> {
    return (await this.table.findRows(ids.map(String))).map((row) => new BaseRecord(this.form.asText(row), this));
  }

  override async findById(id: string): Promise<Model<Record<string, unknown>> | null> {
    return this.table.within(() => this.table.one(id));
  }

  override async create(params: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (this.scope.create) return this.scope.create(params);
    return this.table.within(async () => {
      try {
        const values = this.form.values(params);
        this.rows?.check(values);
        const row = await this.model.create({ ...values, ...this.table.workspace });
        await this.notices.changed('created', row);
        return this.form.asText(row.toJSON());
      } catch (err) {
        throw refusal(err);
      }
    });
  }

  override async update(id: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.table.within(async () => {
      const row = await this.table.one(id);
      if (!row) throw new AdminNotFound(`no record ${id} here`, 'update');
      try {
        const values = this.form.values(params);
        this.rows?.check({ ...row.get(), ...values });
        await row.update(values);
        await this.notices.changed('updated', row);
      } catch (err) {
        throw refusal(err);
      }
      return this.form.asText(row.toJSON());
    });
  }

  override async delete(id: string): Promise<void> {
    await this.table.within(async () => {
      const row = await this.table.one(id);
      if (!row) throw new AdminNotFound(`no record ${id} here`, 'delete');
      await row.destroy();
      await this.notices.tell({ action: 'deleted', id, row: null });
    });
  }

  /** Deletes the rows in one unit: all of them, or none when one is refused. */
  async deleteAll(ids: string[]): Promise<void> {
    await this.table.within(async () => {
      for (const id of ids) await this.delete(id);
    });
  }
}
