import type { Readable } from 'node:stream';
import type { Database } from '../db/index.js';
import type { Entities } from '../entities/index.js';
import { NotFoundError, ValidationError } from '../errors/index.js';
import type { ModuleRuntime } from '../gateway/index.js';
import type { Marketplace } from '../registry/index.js';
import { ContactTarget } from './contact-target.js';
import { checkMapping, defaultMapping, parseMapping, type Field, type Mapping } from './mapping.js';
import { outcomesCsv, type ReportedOutcome, type RowOutcome } from './outcome.js';
import { csvRecords, readCsvFile, type CsvFile, type CsvRecord, type ImportSource } from './source.js';
import { ImportStore, type ImportRow } from './store.js';
import { TableTarget } from './table-target.js';
import type { ImportTarget } from './target.js';

export interface ImportDeps {
  db: Database;
  entities: Entities;
  marketplace: Marketplace;
  /** Module code's way in, for a table's `onChange`; asked for only when a module table is imported. */
  runtime: () => ModuleRuntime;
}

export interface PlanInput {
  workspaceId: string;
  /** `contacts` (the default) or `<module>.<table>` of a module enabled in the workspace. */
  target?: string;
  source: ImportSource;
  /** Column → field; `Column=field` texts as `--map` takes them, or pairs. Absent: columns named as fields. */
  mapping?: Mapping | string[];
  /** For contacts' phone numbers written without a country code (ISO 3166 alpha-2). */
  defaultCountry?: string;
}

/** A file checked against its target and mapping: what preview, dry run and run take. Nothing is written to make one. */
export interface ImportPlan {
  workspaceId: string;
  file: CsvFile;
  target: ImportTarget;
  mapping: Mapping;
  /** The file's columns no field takes: not imported. */
  unmapped: string[];
  options: { defaultCountry?: string };
}

export interface Progress {
  importId: string;
  done: number;
  total: number;
}

export interface RunOptions {
  /** Rows per transaction (1,000 by default). */
  batchSize?: number;
  onProgress?: (progress: Progress) => void;
  /** Who started it (a user's email, `cli`). */
  createdBy?: string;
}

export interface RunResult {
  import: ImportRow;
  /** Rows already committed by an earlier run of this import, which this run continued after. */
  resumedAfter: number;
  counts: Record<RowOutcome['outcome'], number>;
}

/** Thrown to undo a dry run's transaction. */
class RollBack extends Error {}

/** Rows per transaction: checked before anything is written. */
function batchSize(options: RunOptions): number {
  const size = options.batchSize ?? 1000;
  if (!Number.isInteger(size) || size < 1 || size > 10_000)
    throw new ValidationError('--batch-size', `${size} is not a whole number from 1 to 10000`);
  return size;
}

const COUNTRY = /^[A-Z]{2}$/;

/**
 * CSV imports into a workspace: contacts through the shell's identity rules, or a module table's
 * rows as the admin writes them. A file, a target and a mapping make a plan (refused as a whole,
 * writing nothing, when one of them is wrong); a plan is previewed, dry-run (the same writes,
 * rolled back) or run in batches that each commit with their rows' outcomes, so a run killed at
 * any point is continued by the next run of the same plan.
 */
export class Imports {
  readonly store: ImportStore;

  constructor(private readonly deps: ImportDeps) {
    this.store = new ImportStore(deps.db);
  }

  async plan(input: PlanInput): Promise<ImportPlan> {
    const { workspaceId } = input;
    await this.deps.entities.workspaces.byId(workspaceId);
    if (input.defaultCountry !== undefined && !COUNTRY.test(input.defaultCountry))
      throw new ValidationError('--country', `"${input.defaultCountry}" is not a country code (two capital letters, such as GB)`);
    const target = await this.target(workspaceId, input.target ?? 'contacts', input.defaultCountry);
    const file = await readCsvFile(input.source);
    const given =
      input.mapping === undefined
        ? undefined
        : input.mapping.every((m) => typeof m === 'string')
          ? parseMapping(input.mapping)
          : input.mapping;
    const mapping = checkMapping(
      given ?? defaultMapping(file.headers, target.fields),
      file.headers,
      target.fields,
      target.name,
      file.name,
    );
    target.checkMapping(mapping);
    const mapped = new Set(mapping.map((m) => m.column));
    return {
      workspaceId,
      file,
      target,
      mapping,
      unmapped: file.headers.filter((h) => !mapped.has(h)),
      options: input.defaultCountry ? { defaultCountry: input.defaultCountry } : {},
    };
  }

  /**
   * What a mapping is chosen from: the file's columns (the file refused as a whole when it is not
   * CSV, as by `plan`), the target's fields and the mapping by header names.
   */
  async columns(input: Omit<PlanInput, 'mapping'>): Promise<{ headers: string[]; fields: Field[]; defaults: Mapping }> {
    await this.deps.entities.workspaces.byId(input.workspaceId);
    const target = await this.target(input.workspaceId, input.target ?? 'contacts', input.defaultCountry);
    const file = await readCsvFile(input.source);
    return { headers: file.headers, fields: target.fields, defaults: defaultMapping(file.headers, target.fields) };
  }

  /** The first rows as they would be written, by field. */
  async preview(plan: ImportPlan, rows = 5): Promise<{ row: number; values: Record<string, unknown> }[]> {
    const found: { row: number; values: Record<string, unknown> }[] = [];
    for await (const record of csvRecords(plan.file)) {
      if (found.length >= rows) break;
      found.push({ row: record.row, values: plan.target.values(record, plan.mapping) });
    }
    return found;
  }

  /**
   * What the import would do to each row, found by doing it — the same batches, in one
   * transaction that is rolled back. Only the identity locks are left out (nothing is kept, and a
   * whole file's would fill the database's lock table), so a capture made meanwhile elsewhere may
   * make the import differ from its dry run.
   */
  async dryRun(plan: ImportPlan, options: Omit<RunOptions, 'createdBy'> = {}): Promise<ReportedOutcome[]> {
    const size = batchSize(options);
    const outcomes: ReportedOutcome[] = [];
    try {
      await this.deps.db.app(plan.workspaceId, async () => {
        const item = await this.store.create(this.describe(plan, 'dry run'));
        await this.batches(plan, item, 0, { ...options, batchSize: size, dryRun: true });
        for (
          let page = await this.store.outcomes(item);
          page.length > 0;
          page = await this.store.outcomes(item, page.at(-1)!.row)
        )
          outcomes.push(...page);
        throw new RollBack();
      });
    } catch (err) {
      if (!(err instanceof RollBack)) throw err;
    }
    return outcomes;
  }

  /** Imports the plan's rows, continuing an unfinished import of the same file, target and mapping where it stopped. */
  async run(plan: ImportPlan, options: RunOptions = {}): Promise<RunResult> {
    const size = batchSize(options);
    const wanted = this.describe(plan, options.createdBy ?? 'unknown');
    const item = (await this.store.unfinished(wanted)) ?? (await this.store.create(wanted));
    const resumedAfter = item.rowsDone;
    await this.batches(plan, item, resumedAfter, { ...options, batchSize: size, dryRun: false });
    const done = await this.store.get(plan.workspaceId, item.id);
    return { import: done, resumedAfter, counts: await this.counts(done) };
  }

  /** Each row's outcome as CSV (see `outcomesCsv`), read a page at a time; an unknown import fails the stream. */
  outcomesCsv(workspaceId: string, importId: string): Readable {
    const store = this.store;
    async function* outcomes(): AsyncGenerator<ReportedOutcome> {
      const item = await store.get(workspaceId, importId);
      for (let page = await store.outcomes(item); page.length > 0; page = await store.outcomes(item, page.at(-1)!.row))
        yield* page;
    }
    return outcomesCsv(outcomes());
  }

  async counts(item: Pick<ImportRow, 'id' | 'workspaceId'>): Promise<RunResult['counts']> {
    const rows = await this.deps.db.app(item.workspaceId, () =>
      this.deps.db.rows<{ outcome: RowOutcome['outcome']; n: string }>(
        'SELECT outcome, count(*) AS n FROM import_outcomes WHERE workspace_id = $1 AND import_id = $2 GROUP BY outcome',
        [item.workspaceId, item.id],
      ),
    );
    const counts = { created: 0, merged: 0, refused: 0 };
    for (const r of rows) counts[r.outcome] = Number(r.n);
    return counts;
  }

  private describe(plan: ImportPlan, createdBy: string) {
    return {
      workspaceId: plan.workspaceId,
      target: plan.target.name,
      fileName: plan.file.name,
      fileSha256: plan.file.sha256,
      mapping: plan.mapping,
      options: plan.options,
      totalRows: plan.file.rows,
      createdBy,
    };
  }

  /** The rows after `after`, a batch per unit: its rows, their outcomes and the import's progress commit together. */
  private async batches(
    plan: ImportPlan,
    item: ImportRow,
    after: number,
    options: RunOptions & { batchSize: number; dryRun: boolean },
  ): Promise<void> {
    const { batchSize: size, dryRun } = options;
    let done = after;
    const write = async (batch: CsvRecord[]) => {
      await this.deps.db.app(plan.workspaceId, async () => {
        await this.store.claim(item, done);
        const outcomes = await plan.target.write(batch, plan.mapping, dryRun);
        await this.store.record(item, outcomes, done + batch.length);
      });
      done += batch.length;
      options.onProgress?.({ importId: item.id, done, total: item.totalRows });
    };
    options.onProgress?.({ importId: item.id, done, total: item.totalRows });
    let batch: CsvRecord[] = [];
    for await (const record of csvRecords(plan.file, after)) {
      batch.push(record);
      if (batch.length < size) continue;
      await write(batch);
      batch = [];
    }
    if (batch.length > 0) await write(batch);
  }

  /** The workspace's contacts, or a table of a module enabled there. */
  private async target(workspaceId: string, name: string, defaultCountry?: string): Promise<ImportTarget> {
    if (name === 'contacts') return new ContactTarget(this.deps.entities, workspaceId, defaultCountry);
    const [moduleId, table, ...rest] = name.split('.');
    const installed = moduleId && table && rest.length === 0 ? await this.deps.marketplace.registry.installed(moduleId) : null;
    const enabled =
      installed &&
      (await this.deps.db.app(workspaceId, () =>
        this.deps.db.rows('SELECT 1 FROM module_installations WHERE workspace_id = $1 AND registry_id = $2 AND enabled', [
          workspaceId,
          installed.id,
        ]),
      ));
    if (!installed || !enabled || enabled.length === 0)
      throw new NotFoundError('table (contacts, or <module>.<table> of a module enabled in the workspace)', name);
    const declared = installed.manifest.tables?.find((t) => t.name === table);
    if (!declared) throw new NotFoundError(`table of module ${moduleId}`, table!);
    return new TableTarget(this.deps.db, this.deps.runtime, installed, declared, workspaceId);
  }
}
