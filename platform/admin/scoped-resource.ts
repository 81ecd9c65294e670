import { Resource as SequelizeResource } from '@adminjs/sequelize';
import { SandboxError } from '../sandbox/index.js';
import {
  BaseRecord,
  NotFoundError as AdminNotFound,
  ValidationError as AdminValidationError,
  type ActionContext,
  type Filter,
} from 'adminjs';
import { Model, type ModelStatic } from 'sequelize';
import { quoteIdent, type Database, type Scope } from '../db/index.js';
import { UUID } from '../entities/index.js';
import { DatabaseUnavailableError, ValidationError } from '../errors/index.js';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../http/json-depth.js';
import { choiceCondition, filterCondition, FilterError, type AttributeType, type Bind } from './filter-conditions.js';
import { ModuleRows, type RowSchema } from './module-rows.js';
import type { TableChange } from '../gateway/index.js';

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
  /** Told of every write, inside the write's transaction: a failure undoes the write. */
  onChange?: (change: TableChange) => Promise<void>;
  /** Object columns shown and edited as JSON text (a form's field schema): AdminJS has no editor for a free-form object. */
  jsonText?: string[];
  /** Columns the admin never reads, shows, filters, sorts on or writes (`x-plinth-hidden`). */
  hidden?: string[];
  /** A module table's row as its manifest declares it: what the admin writes is held to it. */
  rowSchema?: RowSchema;
  /** Columns that hold one of a closed set of values: shown as selects, filtered by the exact value. */
  choices?: Record<string, readonly string[]>;
  /**
   * Filters the resource answers its own way, by path: the list's search box (`filters.search`),
   * a list column matched however its values are written (a contact's phones).
   */
  conditions?: Record<string, (value: unknown, bind: Bind) => string | null>;
  /**
   * How a record is made from the form's params, where the model's own insert would skip what
   * keeps the rows consistent (a contact's identities); it refuses with a form error per field.
   */
  create?: (params: Record<string, unknown>) => Promise<Record<string, unknown>>;
}

/** A prefix no attribute has: the page statement's extra columns. */
const TOTALS = '__plinth_total_';

/** Up to this many rows a list's total is counted; past it, estimated. */
export const COUNT_EXACT_UP_TO = 1000;

/**
 * A Sequelize resource bound to one workspace. Every read and write names the workspace in its
 * WHERE clause and runs in a unit of that workspace (and role), so neither a crafted URL, a
 * search on any property, an injected filter nor a form field can reach another workspace's
 * rows: the query says so, and row-level security says so again.
 */
export class ScopedResource extends SequelizeResource {
  private readonly rows?: ModuleRows;

  constructor(
    private readonly model: AnyModel,
    private readonly scope: ResourceScope,
  ) {
    super(model as unknown as typeof Model);
    if (scope.rowSchema) this.rows = new ModuleRows(scope.rowSchema, scope.hidden ?? []);
  }

  override id(): string {
    return this.scope.id;
  }

  private modelProperties?: ReturnType<SequelizeResource['properties']>;

  /** The model's properties but the hidden ones, made once: AdminJS asks for them for every record's id. */
  override properties(): ReturnType<SequelizeResource['properties']> {
    return (this.modelProperties ??= super.properties().filter((p) => !this.isHidden(p.name())));
  }

  /** The adapter's, but for a name every object has (`constructor`), which it takes for an attribute and fails on. */
  override property(path: string): ReturnType<SequelizeResource['property']> {
    return Object.hasOwn(this.model.getAttributes(), firstPart(path)) ? super.property(path) : null;
  }

  private isHidden(attribute: string): boolean {
    return this.scope.hidden?.includes(attribute) ?? false;
  }

  /** The model's definition of an attribute the admin may use: none for an unknown or hidden one (or `constructor`). */
  private attribute(name: string) {
    const attributes = this.model.getAttributes();
    return this.isHidden(name) || !Object.hasOwn(attributes, name) ? undefined : attributes[name];
  }

  private within<T>(fn: () => Promise<T>): Promise<T> {
    return this.scope.db.unit(this.scope.unit, fn);
  }

  private get workspace(): Record<string, string> {
    return { [this.scope.workspaceKey]: this.scope.unit.workspaceId };
  }

  /** A column of this resource's table, quoted, from its attribute name. */
  private column(attribute: string): string {
    return quoteIdent(this.model.getAttributes()[attribute]?.field ?? attribute);
  }

  private get table(): string {
    const name = this.model.getTableName() as string | { tableName: string; schema?: string };
    return typeof name === 'string' ? quoteIdent(name) : `${quoteIdent(name.schema ?? 'public')}.${quoteIdent(name.tableName)}`;
  }

  /**
   * The WHERE clause of a filter, the workspace's condition first; `$n` values are appended to
   * `values`. Null when the filter can match nothing: another workspace, or a hidden column. A
   * filter naming an unknown property, or a value its column cannot hold, is refused (a
   * FilterError) — unless `searching`: a search's free text that cannot be of its property's type
   * finds nothing.
   */
  private where(filter: Filter | undefined, values: unknown[], searching = false): string | null {
    values.push(this.scope.unit.workspaceId);
    const conditions = [`${this.column(this.scope.workspaceKey)} = $${values.length}`];
    const bind = (v: unknown) => `$${values.push(v)}`;
    for (const element of Object.values(filter?.filters ?? {})) {
      const attribute = firstPart(element.path);
      if (attribute === this.scope.workspaceKey) {
        // Asking for this workspace changes nothing; asking for another finds nothing.
        if (String(element.value) !== this.scope.unit.workspaceId) return null;
        continue;
      }
      const own = this.ownCondition(element.path);
      if (own) {
        const condition = own(element.value, bind);
        if (condition) conditions.push(condition);
        continue;
      }
      if (this.isHidden(attribute)) return null;
      try {
        const definition = this.attribute(attribute);
        if (!definition || attribute !== element.path) throw new FilterError(`filters.${element.path}`, 'no such property');
        const type = definition.type as AttributeType;
        const choices = this.scope.choices?.[attribute];
        const condition = choices
          ? choiceCondition(element.path, this.column(attribute), choices, element.value, bind)
          : filterCondition(element.path, this.column(attribute), type, element.value, bind);
        if (condition) conditions.push(condition);
      } catch (err) {
        if (searching && err instanceof FilterError) return null;
        throw err;
      }
    }
    return conditions.join(' AND ');
  }

  /** Attributes under their own names (every one by default): rows read by hand look like Sequelize's. */
  private selectList(attributes = Object.keys(this.model.getAttributes()).filter((a) => !this.isHidden(a))): string {
    return attributes.map((a) => `${this.column(a)} AS ${quoteIdent(a)}`).join(', ');
  }

  /**
   * What a list page shows, and no more: the key, the title, the list's columns and the sort
   * column. Every other action (a record, a search, the dashboard) reads whole rows.
   */
  private listAttributes(context: ActionContext | undefined, sortBy: string): string[] | undefined {
    if (context?.action?.name !== 'list') return undefined;
    const decorated = context.resource.decorate();
    const wanted = ['id', decorated.titleProperty().name(), sortBy, ...decorated.getListProperties().map((p) => p.name())];
    return [...new Set(wanted.map(firstPart))].filter((name) => this.attribute(name));
  }

  /** One read in one round trip, in this resource's unit scope. */
  private read<R extends object>(sql: string, values: unknown[]): Promise<R[]> {
    return this.scope.db.read<R>(this.scope.unit, sql, values);
  }

  /** Form values without the workspace or the key: those are the scope's, never the caller's. */
  private values(params: Record<string, unknown>): Record<string, unknown> {
    const parsed = this.parseParams(params) as Record<string, unknown>;
    const own = Object.fromEntries(
      Object.entries(parsed).filter(([k]) => {
        const attribute = firstPart(k);
        return k !== 'id' && attribute !== this.scope.workspaceKey && !this.isHidden(attribute);
      }),
    );
    const values = this.rows ? this.rows.values(own) : own;
    for (const column of this.scope.jsonText ?? []) {
      const text = values[column];
      if (typeof text === 'string') values[column] = jsonText(column, text);
    }
    return values;
  }

  /** A row as the admin shows it: JSON-text columns as indented text, hidden columns left out. */
  private asText(row: Record<string, unknown>): Record<string, unknown> {
    for (const column of this.scope.hidden ?? []) delete row[column];
    for (const column of this.scope.jsonText ?? []) {
      if (row[column] !== null && row[column] !== undefined) row[column] = JSON.stringify(row[column], null, 2);
    }
    return row;
  }

  /** What the list's page statement learnt about the total, for the `count` AdminJS asks next with the same filter. */
  private readonly knownTotals = new WeakMap<Filter, { capped: unknown; estimate: unknown }>();

  /**
   * Counted exactly up to COUNT_EXACT_UP_TO rows; past that, the planner's estimate (what the
   * list's pagination needs, without reading every row of a large workspace on every page) —
   * unless the estimate is below what was already counted (statistics not yet gathered), when
   * the count is exact after all. After `find` with the same filter, no statement at all.
   */
  override async count(filter: Filter): Promise<number> {
    let known = this.knownTotals.get(filter);
    this.knownTotals.delete(filter);
    if (!known) {
      const values: unknown[] = [];
      const where = this.where(filter, values);
      if (where === null) return 0;
      [known] = await this.read<{ capped: unknown; estimate: unknown }>(this.totalsQuery(where, values), values);
    }
    const totals = known!; // an aggregate without GROUP BY answers exactly one row
    const capped = Number(totals.capped);
    const estimate = totals.estimate === null ? null : Number(totals.estimate); // a bigint: text from the driver
    if (capped <= COUNT_EXACT_UP_TO) return capped;
    return estimate !== null && estimate > capped ? estimate : this.exactCount(filter);
  }

  /** Every matching row counted: for a dashboard figure, never estimated. */
  async exactCount(filter?: Filter): Promise<number> {
    const values: unknown[] = [];
    const where = this.where(filter, values);
    if (where === null) return 0;
    const [row] = await this.read<{ n: number }>(`SELECT count(*)::int AS n FROM ${this.table} WHERE ${where}`, values);
    return row!.n; // count(*) answers one row
  }

  /**
   * The capped count and, past the cap, the planner's estimate, as one row: a statement to select
   * from. The estimated query goes to the function as a value (its own values quoted in first).
   */
  private totalsQuery(where: string, values: unknown[]): string {
    const estimated = this.scope.db.inline(`SELECT 1 FROM ${this.table} WHERE ${where}`, values);
    values.push(estimated);
    return `SELECT capped, CASE WHEN capped > ${COUNT_EXACT_UP_TO} THEN plinth_estimated_rows($${values.length}) END AS estimate
              FROM (SELECT count(*)::int AS capped
                      FROM (SELECT 1 FROM ${this.table} WHERE ${where} LIMIT ${COUNT_EXACT_UP_TO + 1}) AS matching) AS counted`;
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
    const where = this.where(filter, values, context?.action?.name === 'search');
    if (where === null) return [];
    const sortBy = sort.sortBy && this.attribute(sort.sortBy) ? sort.sortBy : this.scope.sort.sortBy;
    const direction = (sort.direction ?? this.scope.sort.direction) === 'asc' ? 'ASC' : 'DESC';
    const order = `${this.column(sortBy)} ${direction}, ${this.column('id')} ${direction}`;
    const window = `LIMIT ${Math.min(Math.max(Math.trunc(limit), 1), 500)} OFFSET ${Math.max(Math.trunc(offset), 0)}`;
    const columns = this.selectList(this.listAttributes(context, sortBy));
    const rows = await this.read<Record<string, unknown>>(
      this.ownConditionIn(filter)
        ? // A search tests every row of the workspace, which no index orders: tested once, for the count and the page.
          `WITH matching AS MATERIALIZED (SELECT ${this.column('id')} AS id FROM ${this.table} WHERE ${where})
           SELECT page.*, totals.capped AS "${TOTALS}capped", totals.estimate AS "${TOTALS}estimate"
             FROM (SELECT least(count(*), ${COUNT_EXACT_UP_TO + 1})::int AS capped, count(*) AS estimate FROM matching) AS totals
             LEFT JOIN LATERAL (
               SELECT ${columns} FROM ${this.table} WHERE ${this.column('id')} IN (SELECT id FROM matching)
                ORDER BY ${order} ${window}) AS page ON true`
        : `SELECT page.*, totals.capped AS "${TOTALS}capped", totals.estimate AS "${TOTALS}estimate"
             FROM (${this.totalsQuery(where, values)}) AS totals
             LEFT JOIN LATERAL (SELECT ${columns} FROM ${this.table} WHERE ${where} ORDER BY ${order} ${window}) AS page ON true`,
      values,
    );
    const first = rows[0];
    if (first) this.knownTotals.set(filter, { capped: first[`${TOTALS}capped`], estimate: first[`${TOTALS}estimate`] });
    return rows
      .filter((row) => row.id !== null)
      .map((row) => {
        delete row[`${TOTALS}capped`];
        delete row[`${TOTALS}estimate`];
        return new BaseRecord(this.asText(row), this);
      });
  }

  /** Whether the filter holds a condition of the resource's own (a search) with something to look for. */
  private ownConditionIn(filter: Filter | undefined): boolean {
    return Object.values(filter?.filters ?? {}).some(
      (element) => this.ownCondition(element.path) && String(element.value ?? '').trim() !== '',
    );
  }

  /** The resource's own condition for a filter path: its own key only, never one every object inherits (`constructor`). */
  private ownCondition(path: string): ((value: unknown, bind: Bind) => string | null) | undefined {
    const conditions = this.scope.conditions;
    return conditions && Object.hasOwn(conditions, path) ? conditions[path] : undefined;
  }

  private async one(id: string): Promise<Model<Record<string, unknown>> | null> {
    if (!UUID.test(id)) return null;
    return this.model.findOne({ where: { id, ...this.workspace } });
  }

  /** A record, with what breaks its table's declared schema shown beside the fields (a row written before the checks, or by SQL). */
  override async findOne(id: string): Promise<BaseRecord | null> {
    const [row] = await this.findRows([id]);
    if (!row) return null;
    const problems = this.rows?.problems(row);
    const record = new BaseRecord(this.asText(row), this);
    if (problems) record.errors = problems;
    return record;
  }

  override async findMany(ids: (string | number)[]): Promise<BaseRecord[]> {
    return (await this.findRows(ids.map(String))).map((row) => new BaseRecord(this.asText(row), this));
  }

  private async findRows(ids: string[]): Promise<Record<string, unknown>[]> {
    const wanted = ids.filter((id) => UUID.test(id));
    if (wanted.length === 0) return [];
    return this.read<Record<string, unknown>>(
      `SELECT ${this.selectList()} FROM ${this.table} WHERE ${this.column(this.scope.workspaceKey)} = $1 AND ${this.column('id')} = ANY($2::uuid[])`,
      [this.scope.unit.workspaceId, wanted],
    );
  }

  override async findById(id: string): Promise<Model<Record<string, unknown>> | null> {
    return this.within(() => this.one(id));
  }

  override async create(params: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (this.scope.create) return this.scope.create(params);
    return this.within(async () => {
      try {
        const values = this.values(params);
        this.rows?.check(values);
        const row = await this.model.create({ ...values, ...this.workspace });
        await this.changed('created', row);
        return this.asText(row.toJSON());
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
        const values = this.values(params);
        this.rows?.check({ ...row.get(), ...values });
        await row.update(values);
        await this.changed('updated', row);
      } catch (err) {
        throw refusal(err);
      }
      return this.asText(row.toJSON());
    });
  }

  override async delete(id: string): Promise<void> {
    await this.within(async () => {
      const row = await this.one(id);
      if (!row) throw new AdminNotFound(`no record ${id} here`, 'delete');
      await row.destroy();
      await this.tell({ action: 'deleted', id, row: null });
    });
  }

  /** Deletes the rows in one unit: all of them, or none when one is refused. */
  async deleteAll(ids: string[]): Promise<void> {
    await this.within(async () => {
      for (const id of ids) await this.delete(id);
    });
  }

  private changed(action: TableChange['action'], row: Model<Record<string, unknown>>): Promise<void> {
    return this.tell({ action, id: String(row.get('id')), row: row.toJSON() });
  }

  /** A module's refusal of the write is shown to the admin as its reason; a database failure stays a failure. */
  private async tell(change: TableChange): Promise<void> {
    try {
      await this.scope.onChange?.(change);
    } catch (err) {
      if (/^Sequelize/.test((err as Error).name) || err instanceof DatabaseUnavailableError) throw err;
      const thrown = err instanceof SandboxError ? err.thrown : undefined;
      const message = `${this.scope.id.split('.')[0]} refused this change: ${thrown?.message ?? (err as Error).message}`;
      // Beside the column the module names in its error's `path`; else on the record. A field error
      // either way: AdminJS reports a write with only a base error as done.
      const field = thrown?.path && this.property(thrown.path) ? thrown.path : 'record';
      throw new AdminValidationError({ [field]: { message } }, { message });
    }
  }
}

/** A JSON-text column's value from its form field; a form error naming the column when it is not JSON or nests too deep. */
/** The attribute a property's path starts with: `address` of `address.city`. */
function firstPart(path: string): string {
  return path.replace(/\..*/s, '');
}

function jsonText(column: string, text: string): unknown {
  const refused = (problem: string) =>
    new AdminValidationError({ [column]: { message: problem } }, { message: `${column} ${problem}` });
  if (nestedDeeperThan(text)) throw refused(`nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    return text.trim() === '' ? null : JSON.parse(text);
  } catch (err) {
    throw refused(`is not valid JSON: ${(err as Error).message}`);
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
