import path from 'node:path';
import type { Command } from 'commander';
import { scaffoldPlugin } from '../../../manifests/index.js';

export function initCommand(plugin: Command): void {
  plugin
    .command('init <id>')
    .description('scaffold a working plugin (manifest, table, event, handler, migration, test) in ./<id> or --dir')
    .option('--dir <path>', 'where to write it')
    .action((id: string, options: { dir?: string }) => {
      const dir = path.resolve(options.dir ?? id);
      const files = scaffoldPlugin(id, dir);
      console.log(`created ${id} in ${dir}:\n${files.map((f) => `  ${f}`).join('\n')}`);
    });
}
