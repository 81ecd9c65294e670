import type { Command } from 'commander';
import { withPlatform } from '../../context.js';
import { loadPackage } from './package-files.js';

export function validateCommand(plugin: Command): void {
  plugin
    .command('validate <dir|tarball>')
    .description('check a plugin against the manifest schema, the registry and this Plinth; lists every problem')
    .action((target: string) =>
      withPlatform(async ({ marketplace }) => {
        const manifest = await marketplace.registry.validate(await loadPackage(target), target);
        console.log(`${manifest.id}@${manifest.version} is valid`);
      }),
    );
}
