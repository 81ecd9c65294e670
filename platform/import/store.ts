import type { Database } from '../db/index.js';
import { UUID } from '../entities/index.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors/index.js';
import type { Mapping } from './mapping.js';
import type { ReportedOutcome, RowOutcome } from './outcome.js';

/** An import as the database keeps it. */
export interface ImportRow {
  id: string;
  workspaceId: string;
  target: string;
  fileName: string;
  fileSha256: string;
  mapping: Mapping;
  options: { defaultCountry?: string };
  totalRows: number;
  rowsDone: number;
  status: 'running' | 'done';
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS = `id, workspace_id AS "workspaceId", target, file_name AS "fileName", file_sha256 AS "fileSha256", mapping,
  options, total_rows AS "totalRows", rows_done AS "rowsDone", status, created_by AS "createdBy",
  created_at AS "createdAt", updated_at AS "updatedAt"`;

export type NewImport = Pick<
  ImportRow,
  'workspaceId' | 'target' | 'fileName' | 'fileSha256' | 'mapping' | 'options' | 'totalRows' | 'createdBy'
>;

/** Imports and their rows' outcomes, read and written as the application in the import's workspace. */
export class ImportStore {
  constructor(private readonly db: Database) {}

  /** The unfinished import of this same file into this same target by this same mapping: what a rerun resumes. */
  async unfinished(wanted: NewImport): Promise<ImportRow | null> {
    const [row] = await this.db.app(wanted.workspaceId, () =>
      this.db.rows<ImportRow>(
        `SELECT ${COLUMNS} FROM imports WHERE workspace_id = $1 AND target = $2 AND file_sha256 = $3 AND status = 'running'
            AND mapping = $4::jsonb AND options = $5::jsonb ORDER BY created_at DESC LIMIT 1`,
        [wanted.workspaceId, wanted.target, wanted.fileSha256, JSON.stringify(wanted.mapping), JSON.stringify(wanted.options)],
      ),
    );
    return row ?? null;
  }

  async create(wanted: NewImport): Promise<ImportRow> {
    const [row] = await this.db.app(wanted.workspaceId, () =>
      this.db.rows<ImportRow>(
        `INSERT INTO imports (workspace_id, target, file_name, file_sha256, mapping, options, total_rows, created_by, status, rows_done)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $7 = 0 THEN 'done' ELSE 'running' END, 0) RETURNING ${COLUMNS}`,
        [
          wanted.workspaceId,
          wanted.target,
          wanted.fileName.slice(-500),
          wanted.fileSha256,
          JSON.stringify(wanted.mapping),
          JSON.stringify(wanted.options),
          wanted.totalRows,
          wanted.createdBy,
        ],
      ),
    );
    return row!; // INSERT … RETURNING one row
  }

  async get(workspaceId: string, id: string): Promise<ImportRow> {
    if (!UUID.test(id)) throw new ValidationError('import', `"${id}" is not an import's id`);
    const [row] = await this.db.app(workspaceId, () =>
      this.db.rows<ImportRow>(`SELECT ${COLUMNS} FROM imports WHERE workspace_id = $1 AND id = $2`, [workspaceId, id]),
    );
    if (!row) throw new NotFoundError('import', id);
    return row;
  }

  async list(workspaceId: string): Promise<ImportRow[]> {
    return this.db.app(workspaceId, () =>
      this.db.rows<ImportRow>(`SELECT ${COLUMNS} FROM imports WHERE workspace_id = $1 ORDER BY created_at DESC`, [workspaceId]),
    );
  }

  /**
   * Takes the import for one batch in the caller's unit: its row stays locked until the batch
   * commits, so two runs of one import cannot both write a batch; one that finds the import moved
   * on since it read it is refused.
   */
  async claim(item: ImportRow, rowsDone: number): Promise<void> {
    const [row] = await this.db.rows<{ rowsDone: number }>(
      'SELECT rows_done AS "rowsDone" FROM imports WHERE workspace_id = $1 AND id = $2 FOR UPDATE',
      [item.workspaceId, item.id],
    );
    if (row?.rowsDone !== rowsDone)
      throw new ConflictError(
        `import ${item.id}`,
        'another run of this import is writing it; let it finish, or run it again after',
      );
  }

  /** A batch's outcomes and the import's progress, in the caller's unit (the batch's transaction). */
  async record(item: ImportRow, outcomes: RowOutcome[], rowsDone: number): Promise<void> {
    await this.db.exec(
      `INSERT INTO import_outcomes (import_id, workspace_id, row_number, outcome, record_id, column_name, reason)
       SELECT $1, $2, row, outcome, record, col, reason
         FROM jsonb_to_recordset($3::jsonb) AS o(row integer, outcome text, record uuid, col text, reason text)`,
      [
        item.id,
        item.workspaceId,
        JSON.stringify(
          outcomes.map((o) => ({
            row: o.row,
            outcome: o.outcome,
            record: o.recordId ?? null,
            col: o.column ?? null,
            reason: o.reason ?? null,
          })),
        ),
      ],
    );
    await this.db.exec(
      `UPDATE imports SET rows_done = $3, status = CASE WHEN $3 = total_rows THEN 'done' ELSE status END
        WHERE workspace_id = $1 AND id = $2`,
      [item.workspaceId, item.id, rowsDone],
    );
  }

  /** Each row's outcome in the file's order, with the row of the file that created its record (in the caller's unit, or its own). */
  async outcomes(item: Pick<ImportRow, 'id' | 'workspaceId'>, after = 0, limit = 10_000): Promise<ReportedOutcome[]> {
    const read = () =>
      this.db.rows<{
        row: number;
        outcome: RowOutcome['outcome'];
        recordId: string | null;
        column: string | null;
        reason: string | null;
        firstRow: number | null;
      }>(
        `SELECT o.row_number AS row, o.outcome, o.record_id AS "recordId", o.column_name AS column, o.reason,
                (SELECT c.row_number FROM import_outcomes c
                  WHERE c.import_id = o.import_id AND c.outcome = 'created' AND c.record_id = o.record_id) AS "firstRow"
           FROM import_outcomes o WHERE o.workspace_id = $1 AND o.import_id = $2 AND o.row_number > $3
          ORDER BY o.row_number LIMIT $4`,
        [item.workspaceId, item.id, after, limit],
      );
    const rows = this.db.inAppUnit(item.workspaceId) ? await read() : await this.db.app(item.workspaceId, read);
    return rows.map((r) => ({
      row: r.row,
      outcome: r.outcome,
      ...(r.recordId && { recordId: r.recordId }),
      ...(r.firstRow !== null && { firstRow: r.firstRow }),
      ...(r.column && { column: r.column }),
      ...(r.reason && { reason: r.reason }),
    }));
  }
}
