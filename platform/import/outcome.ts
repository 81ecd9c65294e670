import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';

/** What became of one row of the file. */
export interface RowOutcome {
  row: number;
  outcome: 'created' | 'merged' | 'refused';
  /** The record created, or the contact a row merged into. */
  recordId?: string;
  /** The CSV column at fault, when a refusal is one column's. */
  column?: string;
  reason?: string;
}

/** A row's outcome as reported: `firstRow` is the row of this file that created its record, if one did. */
export interface ReportedOutcome extends RowOutcome {
  firstRow?: number;
}

/** Outcomes as CSV, one line a row after a header: row, outcome, record, first_row, column, reason. */
export function outcomesCsv(outcomes: Iterable<ReportedOutcome> | AsyncIterable<ReportedOutcome>): Readable {
  async function* lines(): AsyncGenerator<(string | number)[]> {
    yield ['row', 'outcome', 'record', 'first_row', 'column', 'reason'];
    for await (const o of outcomes) yield [o.row, o.outcome, o.recordId ?? '', o.firstRow ?? '', o.column ?? '', o.reason ?? ''];
  }
  return Readable.from(lines()).pipe(stringify());
}
