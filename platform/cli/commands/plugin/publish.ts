import fs from 'node:fs';
import type { Command } from 'commander';
import { packageFromDir } from '../../../manifests/index.js';
import { withPlatform } from '../../context.js';
import { CLI_ACTOR } from './cli-actor.js';
import { isDir, signatureFor } from './package-files.js';

export function publishCommand(plugin: Command): void {
  plugin
    .command('publish <dir|tarball>')
    .description(
      'add a plugin version to the registry (a tarball brings <tarball>.sig along); an id stays with the key that first published it',
    )
    .option('--signature <file>', 'signature file, when not beside the tarball')
    .action((target: string, options: { signature?: string }) =>
      withPlatform(async ({ marketplace }) => {
        const publish = {
          source: 'published' as const,
          label: target,
          signature: signatureFor(target, options.signature),
          actor: CLI_ACTOR,
        };
        const { row, outcome } = isDir(target)
          ? await marketplace.registry.publish(packageFromDir(target), publish)
          : await marketplace.registry.publishTarball(fs.readFileSync(target), publish);
        console.log(
          `${row.moduleId}@${row.version}: ${outcome} (sha256 ${row.packageSha256}${row.signingKey ? `, signed by ${row.signingKey}` : ', unsigned'})`,
        );
      }),
    );
}
