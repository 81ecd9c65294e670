import type { Command } from 'commander';
import { ValidationError } from '../../../errors/index.js';
import { withPlatform } from '../../context.js';
import { eventList, webhookLine } from './describe.js';

export function updateCommand(webhook: Command): void {
  webhook
    .command('update <id>')
    .description('change a webhook by the id `plinth webhook list` shows')
    .option('--url <url>', 'a new URL (checked like a new one)')
    .option('--events <names>', 'the new comma-separated event names, replacing the old')
    .option('--active', 'switch it on (again): the count of dead deliveries starts over')
    .option('--inactive', 'switch it off')
    .action((id: string, options: { url?: string; events?: string; active?: boolean; inactive?: boolean }) =>
      withPlatform(async ({ webhooks }) => {
        if (options.active && options.inactive) throw new ValidationError('--active', 'give --active or --inactive, not both');
        const workspaceId = await webhooks.workspaceOf(id);
        const row = await webhooks.update(workspaceId, id, {
          url: options.url,
          events: options.events === undefined ? undefined : eventList(options.events),
          active: options.active ? true : options.inactive ? false : undefined,
        });
        console.log(webhookLine(row));
      }),
    );
}
