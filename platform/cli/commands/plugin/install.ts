import type { Command } from 'commander';
import { withPlatform } from '../../context.js';
import { ALLOW_DOWNGRADE } from './allow-downgrade.js';
import { CLI_ACTOR } from './cli-actor.js';
import { reach } from './reach.js';

function parseSpec(spec: string): { id: string; version?: string } {
  const [id = '', version] = spec.split('@');
  return { id, version };
}

export function installCommand(plugin: Command): void {
  plugin
    .command('install <id[@version]>')
    .description('install a module platform-wide: schema, roles, tables, migrations (all or nothing)')
    .option(...ALLOW_DOWNGRADE)
    .action((spec: string, options: { allowDowngrade?: boolean }) =>
      withPlatform(async ({ marketplace }) => {
        const { id, version } = parseSpec(spec);
        const row = await marketplace.lifecycle.install(id, version, CLI_ACTOR, { allowDowngrade: options.allowDowngrade });
        console.log(
          `installed ${row.moduleId}@${row.version}${row.downgradedFrom ? ` (downgraded from ${row.downgradedFrom})` : ''}` +
            reach(row.manifest),
        );
      }),
    );
}
