import type { Command } from 'commander';
import { withPlatform } from '../../context.js';
import { ALLOW_DOWNGRADE } from './allow-downgrade.js';
import { CLI_ACTOR } from './cli-actor.js';
import { reach } from './reach.js';

export function upgradeCommand(plugin: Command): void {
  plugin
    .command('upgrade <id> [version]')
    .description(
      'move an installed module to a newer published version (forward migrations; downgrades refused unless --allow-downgrade)',
    )
    .option(...ALLOW_DOWNGRADE)
    .action((id: string, version: string | undefined, options: { allowDowngrade?: boolean }) =>
      withPlatform(async ({ marketplace }) => {
        const row = await marketplace.lifecycle.upgrade(id, version, CLI_ACTOR, { allowDowngrade: options.allowDowngrade });
        console.log(
          (row.downgradedFrom
            ? `downgraded ${id} from ${row.downgradedFrom} to ${row.version}`
            : `upgraded ${id} to ${row.version}`) + reach(row.manifest),
        );
      }),
    );
}
