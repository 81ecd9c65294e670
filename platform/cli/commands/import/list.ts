import type { Command } from 'commander';
import { withPlatform } from '../../context.js';

export function listCommand(command: Command): void {
  command
    .command('list')
    .description("list a workspace's imports, newest first")
    .requiredOption('--workspace <slug>', 'the workspace')
    .action((options: { workspace: string }) =>
      withPlatform(async ({ entities, imports }) => {
        const workspace = await entities.workspaces.bySlug(options.workspace);
        for (const i of await imports.store.list(workspace.id))
          console.log(
            [i.id, i.target, i.fileName, `${i.rowsDone}/${i.totalRows}`, i.status, i.createdAt.toISOString()].join('\t'),
          );
      }),
    );
}
