import type { Command } from 'commander';
import { withPlatform } from '../../context.js';
import { CLI_ACTOR } from './cli-actor.js';

export function uninstallCommand(plugin: Command): void {
  plugin
    .command('uninstall <id>')
    .description('uninstall a module; its data stays unless --purge')
    .option('--purge', 'also drop its schema, tables and roles')
    .action((id: string, options: { purge?: boolean }) =>
      withPlatform(async ({ marketplace }) => {
        await marketplace.lifecycle.uninstall(id, options.purge ?? false, CLI_ACTOR);
        console.log(`uninstalled ${id}${options.purge ? ' and dropped its data' : ' (data kept)'}`);
      }),
    );
}
