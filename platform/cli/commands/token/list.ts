import type { Command } from 'commander';
import { withPlatform } from '../../context.js';

export function listCommand(token: Command): void {
  token
    .command('list')
    .description("list a workspace's API tokens (never their secrets)")
    .requiredOption('--workspace <slug>', 'the workspace')
    .action((options: { workspace: string }) =>
      withPlatform(async ({ entities }) => {
        const workspace = await entities.workspaces.bySlug(options.workspace);
        const now = Date.now();
        for (const t of await entities.apiTokens.list(workspace.id)) {
          const state = t.revokedAt ? 'revoked' : t.expiresAt.getTime() <= now ? 'expired' : 'active';
          const used = t.lastUsedAt ? t.lastUsedAt.toISOString() : 'never used';
          console.log(
            [t.id, `plinth_${t.prefix}_…`, t.name, t.scopes.join(','), state, `expires ${t.expiresAt.toISOString()}`, used].join(
              '\t',
            ),
          );
        }
      }),
    );
}
