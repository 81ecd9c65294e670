import type { Model, ModelStatic } from 'sequelize';
import type { Database, Scope } from '../db/index.js';
import type { Bind } from './filter-conditions.js';
import type { RowSchema } from './module-rows.js';
import type { TableChange } from '../gateway/index.js';

/** The attribute a property's path starts with: `address` of `address.city`. */
export function attributeOf(path: string): string {
  return path.replace(/\..*/s, '');
}

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
