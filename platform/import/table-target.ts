import type { Database } from '../db/index.js';
import { ValidationError } from '../errors/index.js';
import type { ModuleRuntime } from '../gateway/index.js';
import { rowProblems, type PluginManifest, type RowSchema } from '../manifests/index.js';
import { moduleNames, type RegistryRow } from '../registry/index.js';
import { SandboxError } from '../sandbox/index.js';
import { columnsOf, type ImportTarget } from './target.js';
import type { Field, Mapping } from './mapping.js';
import type { RowOutcome } from './outcome.js';
import type { CsvRecord } from './source.js';

type Table = NonNullable<PluginManifest['tables']>[number];
type Column = RowSchema['properties'][string];

/**
 * One module table's rows, written as the admin writes them: held to the manifest's row schema,
 * inserted as the module's runtime role under row-level security in the workspace, the table's
 * `onChange` run inside the write (a module that refuses a row refuses its import). Each row is a
 * savepoint of the batch, so a refused row undoes only itself.
 */
export class TableTarget implements ImportTarget {
  readonly name: string;
  readonly fields: Field[];
  private readonly hidden: Set<string>;

  constructor(
    private readonly db: Database,
    private readonly runtime: () => ModuleRuntime,
    private readonly module: RegistryRow,
    private readonly table: Table,
    private readonly workspaceId: string,
  ) {
    this.name = `${module.moduleId}.${table.name}`;
    const columns = Object.entries(table.schema.properties);
    this.hidden = new Set(columns.filter(([, c]) => c['x-plinth-hidden'] === true).map(([name]) => name));
    this.fields = columns
      .filter(([name]) => !this.hidden.has(name))
      .map(([name, column]) => ({
        name,
        aliases: column['x-plinth-label'] ? [column['x-plinth-label']] : [],
        list: false,
        required: table.schema.required?.includes(name) ?? false,
      }));
  }

  checkMapping(): void {
    const required = this.table.schema.required ?? [];
    const unwritable = required.filter((name) => this.hidden.has(name));
    // As in the admin: a required column only the module may write leaves nothing an import can create.
    if (unwritable.length > 0)
      throw new ValidationError(
        this.name,
        `rows are made by the module only (it requires ${unwritable.join(', ')}, which it keeps to itself)`,
      );
  }

  values(record: CsvRecord, mapping: Mapping): Record<string, unknown> {
    const values: Record<string, unknown> = {};
    for (const field of this.fields) {
      const [column] = columnsOf(mapping, field.name);
      if (column === undefined) continue;
      const text = record.cells[column]!; // mapped columns are the file's
      if (text.trim() !== '') values[field.name] = cellValue(this.table.schema.properties[field.name]!, text);
    }
    return values;
  }

  async write(records: CsvRecord[], mapping: Mapping): Promise<RowOutcome[]> {
    const names = moduleNames(this.module.moduleId, this.db.roles.prefix);
    const model = this.runtime().tableModels(this.module)[this.table.name]!; // defined for each of the manifest's tables
    const columnOf = (field: string): string => columnsOf(mapping, field)[0] ?? field;
    const outcomes: RowOutcome[] = [];
    for (const record of records) {
      const values = this.values(record, mapping);
      const [problem] = rowProblems(this.table.schema, this.hidden, values);
      if (problem) {
        outcomes.push({ row: record.row, outcome: 'refused', column: columnOf(problem[0]), reason: problem[1] });
        continue;
      }
      // A savepoint of our own: a unit nested in a unit does not reliably roll back only itself
      // when a unit inside it (the module's handler) fails too (their savepoints share names).
      await this.db.exec('SAVEPOINT plinth_import_row');
      try {
        const id = await this.db.unit(
          { role: { name: names.runtimeRole }, workspaceId: this.workspaceId, schema: names.schema },
          async () => {
            const row = await model.create(values);
            const id = String(row.get('id'));
            await this.runtime().tableChanged(this.module, this.table.name, this.workspaceId, {
              action: 'created',
              id,
              row: row.toJSON(),
            });
            return id;
          },
        );
        await this.db.exec('RELEASE SAVEPOINT plinth_import_row');
        outcomes.push({ row: record.row, outcome: 'created', recordId: id });
      } catch (err) {
        // Undoes the row and the role it ran as: the batch goes on as the application.
        await this.db.exec('ROLLBACK TO SAVEPOINT plinth_import_row');
        outcomes.push({ row: record.row, outcome: 'refused', ...this.refusal(err, columnOf) });
      }
    }
    return outcomes;
  }

  /** Why the database or the module refused a row, naming the column when they do. */
  private refusal(err: unknown, columnOf: (field: string) => string): { column?: string; reason: string } {
    if (err instanceof SandboxError && err.thrown) {
      const path = err.thrown.path;
      const column = path && Object.hasOwn(this.table.schema.properties, path) ? columnOf(path) : undefined;
      return { ...(column && { column }), reason: `${this.module.moduleId} refused this row: ${err.thrown.message}` };
    }
    // A row the database refuses (a unique column, a value out of range): the row's fault; anything else stops the import.
    const parent = (err as { parent?: { message?: string; column?: string; code?: string } }).parent;
    if (parent?.message && /^2[23]/.test(parent.code ?? '')) {
      const column =
        parent.column && Object.hasOwn(this.table.schema.properties, parent.column) ? columnOf(parent.column) : undefined;
      return { ...(column && { column }), reason: parent.message };
    }
    throw err;
  }
}

/**
 * A cell's text as the column's value: a number, a boolean or JSON (an object, a list) from its
 * text; what does not read as its type stays text, for the schema check to refuse by name.
 */
function cellValue(column: Column, text: string): unknown {
  const value = text.trim();
  switch (column.type) {
    case 'integer':
    case 'number': {
      const number = Number(value);
      return Number.isFinite(number) ? number : text;
    }
    case 'boolean': {
      const lower = value.toLowerCase();
      if (['true', 'yes', '1'].includes(lower)) return true;
      if (['false', 'no', '0'].includes(lower)) return false;
      return text;
    }
    case 'object':
    case 'array':
      try {
        return JSON.parse(value) as unknown;
      } catch {
        // A list of words may be written as "a; b; c".
        return column.type === 'array' ? value.split(';').map((v) => v.trim()) : text;
      }
    default:
      return text;
  }
}
