import type { Command } from 'commander';
import { migrateDown, migrateUp, migrationStatus } from '../../db/index.js';
import { EventRetention } from '../../events/index.js';
import { loadShippedRecords } from '../../records/index.js';
import { withPlatform } from '../context.js';

export function migrateCommand(program: Command): void {
  const migrate = program.command('migrate').description("apply or revert the shell's database migrations");
  migrate
    .command('up')
    .description(
      'apply every pending migration, in one transaction; make the event partitions; load the shipped themes and layouts; register the bundled modules',
    )
    .action(() =>
      withPlatform(async ({ config, db, marketplace }) => {
        const applied = await migrateUp(db);
        console.log(applied.length ? applied.map((m) => `applied ${m}`).join('\n') : 'nothing to apply: migrations are current');
        for (const p of await EventRetention.fromConfig(db, config).ensurePartitions())
          console.log(`created event partition ${p}`);
        const shipped = await loadShippedRecords(db);
        console.log(`loaded ${shipped.themes} shipped themes and ${shipped.layouts} layouts`);
        for (const { row, outcome } of await marketplace.registry.registerBundled()) {
          if (outcome !== 'unchanged') console.log(`registered bundled ${row.moduleId}@${row.version}`);
        }
      }),
    );
  migrate
    .command('down')
    .description('revert the last migration (or more with --to / --all)')
    .option('--to <name>', 'revert down to and including this migration')
    .option('--all', 'revert every migration')
    .action((options: { to?: string; all?: boolean }) =>
      withPlatform(async ({ db }) => {
        const reverted = await migrateDown(db, options.all ? 0 : options.to);
        console.log(reverted.length ? reverted.map((m) => `reverted ${m}`).join('\n') : 'nothing to revert');
      }),
    );
  migrate
    .command('status')
    .description('list executed and pending migrations')
    .action(() =>
      withPlatform(async ({ db }) => {
        const status = await migrationStatus(db);
        for (const m of status.executed) console.log(`executed  ${m}`);
        for (const m of status.pending) console.log(`pending   ${m}`);
      }),
    );
}
