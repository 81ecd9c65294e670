import type { Command } from 'commander';
import { withPlatform } from '../../context.js';

export function removeCommand(webhook: Command): void {
  webhook
    .command('remove <id>')
    .description('remove a webhook, its cursor and its delivery records; the events stay in the log')
    .action((id: string) =>
      withPlatform(async ({ webhooks }) => {
        const row = await webhooks.remove(await webhooks.workspaceOf(id), id);
        console.log(`removed webhook ${row.id} (${row.url})`);
      }),
    );
}
