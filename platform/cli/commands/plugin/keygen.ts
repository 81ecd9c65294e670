import fs from 'node:fs';
import type { Command } from 'commander';
import { generateSigningKeys } from '../../../manifests/index.js';

export function keygenCommand(plugin: Command): void {
  plugin
    .command('keygen <name>')
    .description('make an ed25519 key pair: <name>.key (private, keep it) and <name>.pem (public, for PLINTH_TRUSTED_KEYS)')
    .action((name: string) => {
      const { privateKey, publicKey } = generateSigningKeys();
      fs.writeFileSync(`${name}.key`, privateKey, { mode: 0o600, flag: 'wx' });
      fs.writeFileSync(`${name}.pem`, publicKey, { flag: 'wx' });
      console.log(`${name}.key (private)\n${name}.pem (public)`);
    });
}
