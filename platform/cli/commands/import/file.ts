import { pipeline } from 'node:stream/promises';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { ValidationError } from '../../../errors/index.js';
import { outcomesCsv, type ImportPlan, type Imports } from '../../../import/index.js';
import { withPlatform } from '../../context.js';

interface Options {
  workspace: string;
  table: string;
  map: string[];
  country?: string;
  preview?: string | true;
  dryRun?: boolean;
  batchSize: string;
}

export function fileCommand(command: Command): void {
  command
    .command('file <csv>', { isDefault: true })
    .description('import a CSV file; run again after a crash, it continues after the last committed batch')
    .requiredOption('--workspace <slug>', 'the workspace to import into')
    .option('--table <table>', 'contacts, or <module>.<table> of a module enabled in the workspace', 'contacts')
    .option(
      '--map <pairs>',
      'Column=field pairs, comma-separated ("E-mail=emails,Full name=name"); repeatable. Default: columns named as fields',
      (value: string, previous: string[]) => [...previous, value],
      [],
    )
    .option('--country <code>', "contacts' phone numbers without a country code are of this country (GB, US, …)")
    .option('--preview [rows]', 'show the mapping and the first rows as they would be written; writes nothing')
    .option('--dry-run', "write nothing; print each row's outcome as CSV (as `plinth import outcomes` would)")
    .option('--batch-size <rows>', 'rows per transaction', '1000')
    .action((csv: string, options: Options) =>
      withPlatform(async ({ entities, imports }) => {
        const workspace = await entities.workspaces.bySlug(options.workspace);
        const plan = await imports.plan({
          workspaceId: workspace.id,
          target: options.table,
          source: { path: csv },
          ...(options.map.length > 0 && { mapping: options.map }),
          defaultCountry: options.country,
        });
        const note = (line: string) => process.stderr.write(`${line}\n`);
        note(`${plan.file.rows} rows of ${plan.file.name} into ${plan.target.name} of ${workspace.slug}`);
        note(`mapping: ${plan.mapping.map((m) => `${m.column} → ${m.field}`).join(', ')}`);
        if (plan.unmapped.length > 0) note(`not imported: ${plan.unmapped.join(', ')}`);
        if (options.preview !== undefined) {
          const rows = options.preview === true ? 5 : Number(options.preview);
          for (const { row, values } of await imports.preview(plan, Number.isInteger(rows) && rows > 0 ? rows : 5))
            console.log(`row ${row}: ${JSON.stringify(values)}`);
          return;
        }
        await (options.dryRun ? dryRun(imports, plan, options) : run(imports, plan, options));
      }),
    );
}

/** `--batch-size` as a number; the import checks its range before writing anything. */
function rows(raw: string): number {
  if (!/^\d{1,9}$/.test(raw)) throw new ValidationError('--batch-size', `"${raw}" is not a whole number from 1 to 10000`);
  return Number(raw);
}

function progressBar(label: string) {
  return new cliProgress.SingleBar(
    { format: `${label} [{bar}] {value}/{total} rows`, stream: process.stderr, noTTYOutput: false },
    cliProgress.Presets.shades_classic,
  );
}

async function dryRun(imports: Imports, plan: ImportPlan, options: Options): Promise<void> {
  const bar = progressBar('dry run');
  bar.start(plan.file.rows, 0);
  const outcomes = await imports.dryRun(plan, {
    batchSize: rows(options.batchSize),
    onProgress: ({ done }) => bar.update(done),
  });
  bar.stop();
  await pipeline(outcomesCsv(outcomes), process.stdout, { end: false });
  const count = (o: string) => outcomes.filter((r) => r.outcome === o).length;
  process.stderr.write(
    `dry run, nothing written: ${count('created')} created, ${count('merged')} merged, ${count('refused')} refused\n`,
  );
}

async function run(imports: Imports, plan: ImportPlan, options: Options): Promise<void> {
  const bar = progressBar('importing');
  const started = Date.now();
  let first: number | undefined;
  const result = await imports.run(plan, {
    batchSize: rows(options.batchSize),
    createdBy: 'cli',
    onProgress: ({ importId, done, total }) => {
      if (first === undefined) {
        first = done;
        process.stderr.write(`import ${importId}${done > 0 ? `: resuming after row ${done}` : ''}\n`);
        bar.start(total, done);
      }
      bar.update(done);
    },
  });
  bar.stop();
  const seconds = (Date.now() - started) / 1000;
  const rate = Math.round((result.import.totalRows - result.resumedAfter) / Math.max(seconds, 0.001));
  const { created, merged, refused } = result.counts;
  console.log(
    `import ${result.import.id}: ${created} created, ${merged} merged, ${refused} refused (${rate} rows/s); ` +
      `each row's outcome: plinth import outcomes ${result.import.id} --workspace <slug>`,
  );
}
