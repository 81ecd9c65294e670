import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { parseManifestText, pluginTypes, type PluginManifest } from '../../../manifests/index.js';

export function typesCommand(plugin: Command): void {
  plugin
    .command('types <dir>')
    .description("generate TypeScript types of a plugin's payloads, settings and gateways into <dir>/plinth-types.ts")
    .action(async (dir: string) => {
      const manifest = parseManifestText(
        fs.readFileSync(path.join(dir, 'manifest.json')),
        `${dir}/manifest.json`,
      ) as PluginManifest;
      const out = path.join(dir, 'plinth-types.ts');
      fs.writeFileSync(out, await pluginTypes(manifest));
      console.log(out);
    });
}
