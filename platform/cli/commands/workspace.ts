import type { Command } from 'commander';
import { withPlatform } from '../context.js';

export function workspaceCommand(program: Command): void {
  const workspace = program.command('workspace').description('manage workspaces (tenants)');
  workspace
    .command('create <slug>')
    .description('create a workspace, or a client workspace under --parent')
    .requiredOption('--name <name>', 'display name')
    .option('--parent <slug>', 'the agency workspace this one belongs to')
    .action((slug: string, options: { name: string; parent?: string }) =>
      withPlatform(async ({ entities }) => {
        const row = await entities.workspaces.create({ slug, name: options.name, parent: options.parent });
        console.log(`created workspace ${row.slug} (${row.id})`);
      }),
    );
  workspace
    .command('list')
    .description('list workspaces')
    .action(() =>
      withPlatform(async ({ entities }) => {
        const rows = await entities.workspaces.list();
        const slugOf = new Map(rows.map((r) => [r.id, r.slug]));
        for (const r of rows) console.log(`${r.slug}\t${r.name}${r.parentId ? `\t(client of ${slugOf.get(r.parentId)})` : ''}`);
      }),
    );
  workspace
    .command('require-2fa <slug>')
    .description('require two-factor sign-in of the members of a workspace and of its client workspaces (--off: stop)')
    .option('--off', 'stop requiring it')
    .action((slug: string, options: { off?: boolean }) =>
      withPlatform(async ({ entities }) => {
        const row = await entities.workspaces.bySlug(slug);
        await entities.twoFactor.require(row.id, !options.off);
        console.log(`${slug} ${options.off ? 'no longer requires' : 'requires'} two-factor sign-in`);
      }),
    );
}
