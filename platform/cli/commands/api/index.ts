import type { Command } from 'commander';
import { workspaceDocument } from '../../../api/index.js';
import { withPlatform } from '../../context.js';

export function apiCommand(program: Command): void {
  const api = program.command('api').description("a workspace's API");
  api
    .command('spec')
    .description("print the workspace's OpenAPI 3.1 document: the shell's endpoints and those of its enabled modules")
    .requiredOption('--workspace <slug>', 'the workspace')
    .action((options: { workspace: string }) =>
      withPlatform(async (platform) => {
        console.log(JSON.stringify(await workspaceDocument(platform, options.workspace), null, 2));
      }),
    );
}
