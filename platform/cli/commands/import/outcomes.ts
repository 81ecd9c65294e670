import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { withPlatform } from '../../context.js';

export function outcomesCommand(command: Command): void {
  command
    .command('outcomes <id>')
    .description("print each row's outcome of an import as CSV: row, outcome, record, first_row, column, reason")
    .requiredOption('--workspace <slug>', 'the workspace of the import')
    .action((id: string, options: { workspace: string }) =>
      withPlatform(async ({ entities, imports }) => {
        const workspace = await entities.workspaces.bySlug(options.workspace);
        await pipeline(imports.outcomesCsv(workspace.id, id), process.stdout, { end: false });
      }),
    );
}
