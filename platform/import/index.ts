/**
 * CSV import: a file, a target (contacts or a module table) and a column mapping make a plan;
 * a plan is previewed, dry-run or run in resumable batches, and each row's outcome is kept.
 * What an admin page calls: `plan` (from a file or a buffer), `preview`, `dryRun`, `run` (with
 * `onProgress`), `store.get`/`store.list` and `outcomesCsv`.
 */
export {
  Imports,
  type ImportDeps,
  type ImportPlan,
  type PlanInput,
  type Progress,
  type RunOptions,
  type RunResult,
} from './importer.js';
export { IMPORT_SOURCE } from './contact-target.js';
export { parseMapping, type Field, type Mapping, type MappingEntry } from './mapping.js';
export { outcomesCsv, type ReportedOutcome, type RowOutcome } from './outcome.js';
export type { ImportSource } from './source.js';
export type { ImportRow } from './store.js';
