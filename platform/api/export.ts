import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { Response } from 'express';
import { stringify } from 'csv-stringify';
import type { Database, Scope } from '../db/index.js';
import { listStatement, parseList } from './list-query.js';
import type { ListShape } from './list-shape.js';

/** Rows read per statement: each batch is its own short unit, so a slow download holds no transaction open. */
export const EXPORT_BATCH = 1000;

/**
 * A cell as a spreadsheet should take it: lists of text joined by "; ", other structures as JSON,
 * times in ISO 8601. Text a spreadsheet would run as a formula (`=`, `@`, a `+` or `-` not
 * starting a number) is prefixed with `'`, so an exported cell typed by anyone cannot run in the
 * reader's spreadsheet.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  const text =
    Array.isArray(value) && value.every((v) => typeof v === 'string')
      ? value.join('; ')
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);
  return /^[=@\t\r]|^[+-](?![\d\s().-]*$)/.test(text) ? `'${text}` : text;
}

/** What an export reads: a list's shape, its table and the unit its statements run in. */
export interface ExportSource {
  shape: ListShape;
  table: string;
  workspaceColumn: string;
  unit: Scope & { workspaceId: string };
}

/**
 * Checks an export's query as a list's (filters, sort, fields; every refusal before a byte is
 * sent) and answers with what streams it: every matching row, batch after batch by keyset, as
 * CSV with a header of the fields. A row created while it streams may or may not be in it; no
 * row that exists throughout is missed or written twice.
 */
export function csvExport(db: Database, source: ExportSource, query: Record<string, unknown>): (res: Response) => Promise<void> {
  const { limit: _limit, cursor: _cursor, ...criteria } = query;
  const request = { ...parseList(source.shape, criteria), limit: EXPORT_BATCH };
  return async (res) => {
    const csv = stringify({ header: true, columns: request.fields });
    csv.pipe(res);
    let after = request.after;
    for (;;) {
      const { sql, values } = listStatement(
        source.shape,
        { ...request, after },
        source.table,
        source.workspaceColumn,
        source.unit.workspaceId,
      );
      const rows = await db.unit(source.unit, () =>
        db.rows<Record<string, unknown> & { id: string; position: string | null }>(sql, values),
      );
      const batch = rows.slice(0, EXPORT_BATCH);
      for (const row of batch) {
        if (!csv.write(request.fields.map((field) => csvCell(row[field])))) await once(csv, 'drain');
      }
      const last = batch[batch.length - 1];
      if (rows.length <= EXPORT_BATCH || !last) break;
      after = { sort: request.sort, at: last.position, id: last.id };
    }
    csv.end();
    await finished(res);
  };
}
