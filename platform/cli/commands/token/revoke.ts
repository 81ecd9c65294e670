import type { Command } from 'commander';
import { withPlatform } from '../../context.js';

export function revokeCommand(token: Command): void {
  token
    .command('revoke <id>')
    .description('revoke an API token by the id `plinth token list` shows: it is refused from now on')
    .action((id: string) =>
      withPlatform(async ({ entities }) => {
        const row = await entities.apiTokens.revoke(id);
        console.log(`revoked token ${row.id} (${row.name}) at ${row.revokedAt!.toISOString()}`);
      }),
    );
}
