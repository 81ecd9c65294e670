import type { Command } from 'commander';
import { RouteSecrets } from '../../../routes/index.js';
import { withPlatform } from '../../context.js';

export function secretCommand(plugin: Command): void {
  plugin
    .command('secret <id>')
    .description("print a workspace's secret for signing requests to the module's signed routes (issued on first ask)")
    .requiredOption('--workspace <slug>', 'the workspace')
    .option('--rotate', 'replace it: requests signed with the old one are refused from now on')
    .action((id: string, options: { workspace: string; rotate?: boolean }) =>
      withPlatform(async ({ db, entities, marketplace }) => {
        const secrets = new RouteSecrets(db, entities, marketplace.registry);
        console.log(await secrets.issue(id, options.workspace, { rotate: options.rotate }));
      }),
    );
}
