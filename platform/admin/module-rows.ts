import { flat, ValidationError as AdminValidationError, type PropertyErrors } from 'adminjs';
import { rowProblems, type RowSchema } from '../manifests/index.js';

/** adminjs declares `unflatten` through the `flat` package, which has no types: it arrives here untyped. */
const unflatten = flat.unflatten as (params: Record<string, unknown>) => Record<string, unknown>;

export type { RowSchema };

/**
 * The rows the admin writes to one module table, held to what its manifest declares for each
 * column (type, format, pattern, enum, lengths, bounds, required, nested schemas) before anything
 * is written: a module's code relies on its declared shapes, and a row that breaks them fails
 * later, where no one sees it (a form whose submissions all fail). Hidden columns are the
 * module's own, never checked here: the admin cannot change them.
 */
export class ModuleRows {
  private readonly hidden: Set<string>;

  constructor(
    private readonly schema: RowSchema,
    hidden: string[],
  ) {
    this.hidden = new Set(hidden);
  }

  /**
   * Form values as the columns will hold them. AdminJS posts an array or object field as one key
   * per item (`tags.0`), which would be written as an object with those keys; and an emptied
   * text field as '', which for a column that may be left out means no value.
   */
  values(form: Record<string, unknown>): Record<string, unknown> {
    const values = unflatten(form);
    for (const [name, value] of Object.entries(values)) {
      const optional = !this.schema.required?.includes(name);
      if (value === '' && optional && this.schema.properties[name]?.type === 'string') values[name] = null;
    }
    return values;
  }

  /** Refuses a row that breaks the manifest, as form errors beside the columns at fault. */
  check(row: Record<string, unknown>): void {
    const errors = this.problems(row);
    if (Object.keys(errors).length === 0) return;
    const summary = Object.entries(errors)
      .map(([column, { message }]) => `${column}: ${message}`)
      .join('; ');
    throw new AdminValidationError(errors, { message: summary });
  }

  /** What is wrong with a row, by column; nothing when it holds (a row read back shows its problems in the edit form). */
  problems(row: Record<string, unknown>): PropertyErrors {
    return Object.fromEntries([...rowProblems(this.schema, this.hidden, row)].map(([column, message]) => [column, { message }]));
  }
}
