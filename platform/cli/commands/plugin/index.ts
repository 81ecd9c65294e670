import type { Command } from 'commander';
import { disableCommand } from './disable.js';
import { enableCommand } from './enable.js';
import { initCommand } from './init.js';
import { installCommand } from './install.js';
import { keygenCommand } from './keygen.js';
import { listCommand } from './list.js';
import { packCommand } from './pack.js';
import { publishCommand } from './publish.js';
import { secretCommand } from './secret.js';
import { signCommand } from './sign.js';
import { typesCommand } from './types.js';
import { uninstallCommand } from './uninstall.js';
import { upgradeCommand } from './upgrade.js';
import { validateCommand } from './validate.js';

export function pluginCommand(program: Command): void {
  const plugin = program
    .command('plugin')
    .description('write, validate, pack, sign and publish plugins; install and enable modules');
  for (const register of [
    initCommand,
    validateCommand,
    packCommand,
    keygenCommand,
    signCommand,
    publishCommand,
    typesCommand,
    installCommand,
    enableCommand,
    secretCommand,
    disableCommand,
    upgradeCommand,
    uninstallCommand,
    listCommand,
  ]) {
    register(plugin);
  }
}
