import fs from 'node:fs';
import type { Command } from 'commander';
import { parseManifestText } from '../../../manifests/index.js';
import { withPlatform } from '../../context.js';
import { CLI_ACTOR } from './cli-actor.js';

export function enableCommand(plugin: Command): void {
  plugin
    .command('enable <id>')
    .description('enable an installed module for a workspace')
    .requiredOption('--workspace <slug>', 'the workspace')
    .option('--settings <file>', 'JSON settings, checked against the module settings schema')
    .action((id: string, options: { workspace: string; settings?: string }) =>
      withPlatform(async ({ marketplace }) => {
        const settings = options.settings
          ? (parseManifestText(fs.readFileSync(options.settings), options.settings) as object)
          : undefined;
        await marketplace.lifecycle.enable(id, options.workspace, settings, CLI_ACTOR);
        console.log(`enabled ${id} in ${options.workspace}`);
      }),
    );
}
