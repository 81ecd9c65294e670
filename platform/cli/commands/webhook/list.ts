import type { Command } from 'commander';
import { withPlatform } from '../../context.js';
import { webhookLine } from './describe.js';

export function listCommand(webhook: Command): void {
  webhook
    .command('list')
    .description("list a workspace's webhooks (never their secrets)")
    .requiredOption('--workspace <slug>', 'the workspace')
    .action((options: { workspace: string }) =>
      withPlatform(async ({ entities, webhooks }) => {
        const workspace = await entities.workspaces.bySlug(options.workspace);
        for (const w of await webhooks.list(workspace.id)) console.log(webhookLine(w));
      }),
    );
}
