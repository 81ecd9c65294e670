import { ValidationError as AdminValidationError } from 'adminjs';
import type { Model } from 'sequelize';
import { DatabaseUnavailableError } from '../errors/index.js';
import type { TableChange } from '../gateway/index.js';
import { SandboxError } from '../sandbox/index.js';
import type { ResourceScope } from './resource-scope.js';

/** A resource's writes told to whoever follows its table (a module's onChange), inside the write's transaction. */
export class ChangeNotices {
  constructor(
    private readonly scope: ResourceScope,
    /** The resource's property at a path, if it has one: where a module's refusal is shown. */
    private readonly property: (path: string) => unknown,
  ) {}

  changed(action: TableChange['action'], row: Model<Record<string, unknown>>): Promise<void> {
    return this.tell({ action, id: String(row.get('id')), row: row.toJSON() });
  }

  /** A module's refusal of the write is shown to the admin as its reason; a database failure stays a failure. */
  async tell(change: TableChange): Promise<void> {
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
