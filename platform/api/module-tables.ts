import type { Platform } from '../composition/index.js';
import { quoteIdent } from '../db/index.js';
import { checkUuid } from '../entities/normalize.js';
import { pgError } from '../entities/pg-errors.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors/index.js';
import type { TableChange } from '../gateway/index.js';
import { ModuleNotEnabledError } from '../gateway/errors.js';
import { InvalidInputError } from '../http/problem.js';
import { DataSchemas } from '../manifests/index.js';
import { moduleNames, type RegistryRow } from '../registry/index.js';
import { sqlType } from '../registry/tables.js';
import { SandboxError } from '../sandbox/index.js';
import { ChangeRefusedError, TableClosedError } from './errors.js';
import type { ApiWorkspace } from './workspace.js';
import { listStatement, pageOf, parseList, type Page } from './list-query.js';
import type { ListShape } from './list-shape.js';
import { changeSchema, creatable, createSchema, moduleTableList, visibleColumns, type Table } from './module-table-shape.js';

/** A table of a module enabled in the workspace, as the API serves it. */
export interface ServedTable {
  row: RegistryRow;
  table: Table;
  shape: ListShape;
  /** Quoted, with its schema. */
  name: string;
  unit: { role: { name: string }; workspaceId: string; schema: string };
}

type Row = Record<string, unknown>;

/** Body checks compiled once per schema text, as the admin's and the modules' own are. */
const schemas = new DataSchemas();

/**
 * A module's tables over the API. Each statement runs as the module's runtime role in the
 * token's workspace (row-level security of the module's table holds, as for the module's own
 * code), and a write tells the module's `onChange` inside the same transaction: if the module
 * refuses the change, nothing of it is kept.
 */
export class ModuleTables {
  private readonly shapes = new Map<string, ListShape>();

  constructor(private readonly platform: Platform) {}

  /** The table, when its module is enabled in the workspace (else 404, as a module that does not exist). */
  find(workspace: ApiWorkspace, moduleId: string, tableName: string): ServedTable {
    const { db } = this.platform;
    const workspaceId = workspace.id;
    const row = workspace.modules.find((r) => r.moduleId === moduleId);
    if (!row) throw new ModuleNotEnabledError(moduleId, workspace.slug);
    const table = row.manifest.tables?.find((t) => t.name === tableName);
    if (!table) throw new NotFoundError('table', `${moduleId}/${tableName}`);
    const names = moduleNames(row.moduleId, db.roles.prefix);
    const key = `${row.id}/${table.name}`;
    let shape = this.shapes.get(key);
    if (!shape) this.shapes.set(key, (shape = moduleTableList(table)));
    return {
      row,
      table,
      shape,
      name: `${quoteIdent(names.schema)}.${quoteIdent(table.name)}`,
      unit: { role: { name: names.runtimeRole }, workspaceId, schema: names.schema },
    };
  }

  list(served: ServedTable, query: Record<string, unknown>): Promise<Page<Row>> {
    const request = parseList(served.shape, query);
    const { sql, values } = listStatement(served.shape, request, served.name, 'workspace_id', served.unit.workspaceId);
    return this.as(served, async () =>
      pageOf(
        this.typed(served, await this.platform.db.rows<Row & { position: string | null; id: string }>(sql, values)),
        request,
      ),
    );
  }

  async get(served: ServedTable, id: string): Promise<Row> {
    const [row] = await this.as(served, () =>
      this.platform.db.rows<Row>(`SELECT ${this.selectList(served)} FROM ${served.name} WHERE workspace_id = $1 AND id = $2`, [
        served.unit.workspaceId,
        checkUuid(id, 'id'),
      ]),
    );
    if (!row) throw new NotFoundError('row', id);
    return this.typed(served, [row])[0]!;
  }

  async create(served: ServedTable, body: unknown): Promise<Row> {
    if (!creatable(served.table)) throw new TableClosedError(served.row.moduleId, served.table.name);
    const values = this.checked(createSchema(served.table), body);
    const columns = Object.keys(values);
    const created = await this.write(served, 'created', () =>
      this.platform.db.rows<Row>(
        `INSERT INTO ${served.name} (workspace_id${columns.map((c) => `, ${quoteIdent(c)}`).join('')})
         VALUES ($1${columns.map((c, i) => `, ${this.placeholder(served, c, i + 2)}`).join('')})
         RETURNING *`,
        [served.unit.workspaceId, ...columns.map((c) => this.bound(served, c, values[c]))],
      ),
    );
    return created!; // an INSERT … RETURNING answers its row
  }

  async update(served: ServedTable, id: string, body: unknown): Promise<Row> {
    const rowId = checkUuid(id, 'id');
    const changes = this.checked(changeSchema(served.table), body);
    const columns = Object.keys(changes);
    const updated = await this.write(served, 'updated', () =>
      this.platform.db.rows<Row>(
        `UPDATE ${served.name} SET ${columns.map((c, i) => `${quoteIdent(c)} = ${this.placeholder(served, c, i + 3)}`).join(', ')}
          WHERE workspace_id = $1 AND id = $2 RETURNING *`,
        [served.unit.workspaceId, rowId, ...columns.map((c) => this.bound(served, c, changes[c]))],
      ),
    );
    if (!updated) throw new NotFoundError('row', id);
    return updated;
  }

  async remove(served: ServedTable, id: string): Promise<void> {
    const rowId = checkUuid(id, 'id');
    const removed = await this.write(served, 'deleted', () =>
      this.platform.db.rows<Row>(`DELETE FROM ${served.name} WHERE workspace_id = $1 AND id = $2 RETURNING *`, [
        served.unit.workspaceId,
        rowId,
      ]),
    );
    if (!removed) throw new NotFoundError('row', id);
  }

  /** Runs `fn` as the module's runtime role in the workspace: a savepoint of the caller's unit. */
  private as<T>(served: ServedTable, fn: () => Promise<T>): Promise<T> {
    return this.platform.db.unit(served.unit, fn);
  }

  /**
   * One write and the module's `onChange` for it, in the caller's transaction. The written row
   * goes to the module whole (its hidden columns too, which are its own); the caller gets the
   * visible ones.
   */
  private async write(
    served: ServedTable,
    action: TableChange['action'],
    statement: () => Promise<Row[]>,
  ): Promise<Row | undefined> {
    const [written] = await this.as(served, statement).catch((err: unknown) => {
      throw asDatabaseRefusal(err);
    });
    if (!written) return undefined;
    if (served.table.onChange) {
      const change: TableChange = { action, id: String(written.id), row: action === 'deleted' ? null : written };
      await this.platform.runtime
        .tableChanged(served.row, served.table.name, served.unit.workspaceId, change)
        .catch((err: unknown) => {
          throw err instanceof SandboxError && err.failure === 'code' && err.thrown && !err.thrown.code
            ? new ChangeRefusedError(served.row.moduleId, err.thrown.message, err.thrown.path)
            : err;
        });
    }
    return this.typed(served, [written])[0];
  }

  /** The body as the schema takes it, or every member at fault at once; nothing is written then. */
  private checked(schema: object, body: unknown): Row {
    const problems = schemas.check(schema, body);
    if (problems.length > 0) throw new InvalidInputError(problems.map((p) => ({ pointer: p.path, detail: p.message })));
    return body as Row;
  }

  private column(served: ServedTable, name: string) {
    return served.table.schema.properties[name]!; // a checked body names only declared columns
  }

  /** A column's placeholder, cast to its SQL type; objects and arrays go as JSON text. */
  private placeholder(served: ServedTable, name: string, n: number): string {
    return `$${n}::${sqlType(this.column(served, name))}`;
  }

  private bound(served: ServedTable, name: string, value: unknown): unknown {
    return value !== null && sqlType(this.column(served, name)) === 'jsonb' ? JSON.stringify(value) : value;
  }

  private selectList(served: ServedTable): string {
    return Object.entries(served.shape.fields)
      .map(([name, field]) => `${field.column} AS ${quoteIdent(name)}`)
      .join(', ');
  }

  /**
   * Rows as the API answers them: the visible fields only (a write's RETURNING has them all), and
   * whole numbers as JSON numbers (PostgreSQL's bigint reaches JavaScript as text).
   */
  private typed<R extends Row>(served: ServedTable, rows: R[]): R[] {
    const visible = new Set([
      'id',
      ...visibleColumns(served.table).map(([name]) => name),
      'created_at',
      'updated_at',
      'position',
    ]);
    return rows.map(
      (row) =>
        Object.fromEntries(
          Object.entries(row)
            .filter(([name]) => visible.has(name))
            .map(([name, value]) => [
              name,
              served.shape.fields[name]?.type === 'integer' && (typeof value === 'string' || typeof value === 'bigint')
                ? Number(value)
                : value,
            ]),
        ) as R,
    );
  }
}

/**
 * The table's own constraints refusing a write: a unique index's is a conflict; a value its
 * column cannot hold (out of range, not null, a check) is the body's fault. Anything else stays a
 * failure.
 */
function asDatabaseRefusal(err: unknown): unknown {
  const { code } = pgError(err);
  const message = (err as { parent?: { message?: string; detail?: string } }).parent;
  if (code === '23505')
    return new ConflictError('body', `a row with these values exists already${message?.detail ? ` (${message.detail})` : ''}`);
  if (code && (code.startsWith('22') || code === '23502' || code === '23514'))
    return new ValidationError('body', message?.message ?? 'a value does not fit its column');
  return err;
}
