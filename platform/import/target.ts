import type { Field, Mapping } from './mapping.js';
import type { RowOutcome } from './outcome.js';
import type { CsvRecord } from './source.js';

/** What rows are imported into: the workspace's contacts or one module table. */
export interface ImportTarget {
  /** `contacts`, or `<module>.<table>`. */
  name: string;
  fields: Field[];
  /** Refuses a mapping the target cannot import by (beyond the fields' own rules). */
  checkMapping(mapping: Mapping): void;
  /** A record's values as they would be written, by field. */
  values(record: CsvRecord, mapping: Mapping): Record<string, unknown>;
  /**
   * Writes a batch in the caller's unit and says what became of each row, in order. A row at
   * fault is refused alone. `dryRun`: the caller rolls everything back.
   */
  write(records: CsvRecord[], mapping: Mapping, dryRun: boolean): Promise<RowOutcome[]>;
}

/** The columns that feed `field`, in the file's order. */
export const columnsOf = (mapping: Mapping, field: string): string[] =>
  mapping.filter((m) => m.field === field).map((m) => m.column);
