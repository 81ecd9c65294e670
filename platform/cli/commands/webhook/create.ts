import type { Command } from 'commander';
import { withPlatform } from '../../context.js';
import { eventList, webhookLine } from './describe.js';

export function createCommand(webhook: Command): void {
  webhook
    .command('create')
    .description('add a webhook to a workspace; its signing secret is printed once')
    .requiredOption('--workspace <slug>', 'the workspace whose events it receives')
    .requiredOption('--url <url>', 'where deliveries are POSTed (http or https, public addresses only)')
    .requiredOption(
      '--events <names>',
      'comma-separated event names (contact_forms.form_submitted) or module.* for all of a module',
    )
    .option('--inactive', 'create it switched off')
    .action((options: { workspace: string; url: string; events: string; inactive?: boolean }) =>
      withPlatform(async ({ entities, webhooks }) => {
        const workspace = await entities.workspaces.bySlug(options.workspace);
        const { webhook: row, secret } = await webhooks.create(workspace.id, {
          url: options.url,
          events: eventList(options.events),
          active: !options.inactive,
          createdBy: 'cli',
        });
        console.log(secret);
        console.log(`webhook for ${workspace.slug}: ${webhookLine(row)}`);
        process.stderr.write('This is the only time the signing secret is shown: keep it now.\n');
      }),
    );
}
