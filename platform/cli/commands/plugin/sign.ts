import fs from 'node:fs';
import type { Command } from 'commander';
import { signTarball } from '../../../manifests/index.js';

export function signCommand(plugin: Command): void {
  plugin
    .command('sign <tarball>')
    .description('sign a packed plugin with an ed25519 private key; writes <tarball>.sig')
    .requiredOption('--key <pem>', 'private key file')
    .action((tarball: string, options: { key: string }) => {
      const signature = signTarball(fs.readFileSync(tarball), fs.readFileSync(options.key, 'utf8'));
      fs.writeFileSync(`${tarball}.sig`, `${JSON.stringify(signature, null, 2)}\n`);
      console.log(`${tarball}.sig (sha256 ${signature.sha256})`);
    });
}
