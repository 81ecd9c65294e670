import type { Command } from 'commander';
import { withPlatform } from '../../context.js';

export function rotateSecretCommand(webhook: Command): void {
  webhook
    .command('rotate-secret <id>')
    .description('give a webhook a new signing secret, printed once; the old one signs nothing from now on')
    .action((id: string) =>
      withPlatform(async ({ webhooks }) => {
        const { webhook: row, secret } = await webhooks.rotateSecret(await webhooks.workspaceOf(id), id);
        console.log(secret);
        console.log(`new secret for webhook ${row.id} (${row.url})`);
        process.stderr.write('This is the only time the signing secret is shown: keep it now.\n');
      }),
    );
}
