import type { Command } from 'commander';
import { withPlatform } from '../../context.js';

export function listCommand(plugin: Command): void {
  plugin
    .command('list')
    .description('the registry: every module version, its source, signature and status')
    .option('--workspace <slug>', 'also show which modules are enabled in this workspace')
    .option('--json', 'print JSON')
    .action((options: { workspace?: string; json?: boolean }) =>
      withPlatform(async ({ entities, marketplace }) => {
        const rows = await marketplace.registry.rows();
        const workspace = options.workspace ? await entities.workspaces.bySlug(options.workspace) : undefined;
        const installations = workspace ? await marketplace.lifecycle.installations(workspace.id) : [];
        const listed = rows.map((r) => ({
          id: r.moduleId,
          version: r.version,
          name: r.manifest.name,
          vendor: r.manifest.vendor.name,
          source: r.source,
          status: r.status,
          signed: r.signingKey,
          ...(workspace && {
            enabled: installations.some((i) => i.moduleId === r.moduleId && i.registryId === r.id && i.enabled),
          }),
        }));
        if (options.json) {
          console.log(JSON.stringify(listed, null, 2));
          return;
        }
        if (listed.length === 0) console.log('the registry is empty');
        for (const r of listed) {
          console.log(
            `${`${r.id}@${r.version}`.padEnd(32)} ${r.status.padEnd(11)} ${r.source.padEnd(9)} ${r.signed ? 'signed' : 'unsigned'}` +
              `${r.enabled === undefined ? '' : r.enabled ? `  enabled in ${options.workspace}` : ''}`,
          );
        }
      }),
    );
}
