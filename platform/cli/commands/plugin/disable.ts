import type { Command } from 'commander';
import { withPlatform } from '../../context.js';
import { CLI_ACTOR } from './cli-actor.js';

export function disableCommand(plugin: Command): void {
  plugin
    .command('disable <id>')
    .description('disable a module for a workspace (its data stays)')
    .requiredOption('--workspace <slug>', 'the workspace')
    .action((id: string, options: { workspace: string }) =>
      withPlatform(async ({ marketplace }) => {
        await marketplace.lifecycle.disable(id, options.workspace, CLI_ACTOR);
        console.log(`disabled ${id} in ${options.workspace}`);
      }),
    );
}
