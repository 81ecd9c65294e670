import type { Command } from 'commander';
import { withPlatform } from '../../context.js';
import { parseExpiry } from './expiry.js';

export function createCommand(token: Command): void {
  token
    .command('create')
    .description('make an API token for a workspace; the token is printed once, and only its hash is kept')
    .requiredOption('--workspace <slug>', 'the workspace the token reads and writes')
    .requiredOption('--name <name>', 'what the token is for, shown in lists')
    .requiredOption(
      '--scopes <scopes>',
      'comma-separated: contacts:read, contacts:write, events:read, <module>:<table>:read|write',
    )
    .option('--expires <when>', 'days from now (30d) or a time (2027-01-31); 90 days when absent')
    .action((options: { workspace: string; name: string; scopes: string; expires?: string }) =>
      withPlatform(async ({ entities }) => {
        const expiresAt = options.expires === undefined ? undefined : parseExpiry(options.expires);
        const workspace = await entities.workspaces.bySlug(options.workspace);
        const { token: row, plaintext } = await entities.apiTokens.create(workspace.id, {
          name: options.name,
          scopes: options.scopes.split(',').map((s) => s.trim()),
          expiresAt,
          createdBy: 'cli',
        });
        console.log(plaintext);
        console.log(`token ${row.id} (${row.prefix}) for ${workspace.slug}, expires ${row.expiresAt.toISOString()}`);
        process.stderr.write('This is the only time the token is shown: keep it now.\n');
      }),
    );
}
