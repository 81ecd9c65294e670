import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { packageFromDir, parseManifestText, type PluginManifest } from '../../../manifests/index.js';

export function packCommand(plugin: Command): void {
  plugin
    .command('pack <dir>')
    .description('pack a plugin folder into a deterministic tarball and print its SHA-256')
    .option('--out <file>', 'tarball to write (default: <id>-<version>.tgz in the current directory)')
    .action(async (dir: string, options: { out?: string }) => {
      const pkg = packageFromDir(dir);
      const manifest = parseManifestText(pkg.files.get('manifest.json')!, `${dir}/manifest.json`) as PluginManifest;
      const out = path.resolve(options.out ?? `${manifest.id}-${manifest.version}.tgz`);
      fs.writeFileSync(out, pkg.tarball);
      console.log(`${out}\nsha256 ${pkg.sha256}`);
    });
}
