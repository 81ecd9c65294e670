import fs from 'node:fs';
import path from 'node:path';
import type { PlinthConfig } from '../config/index.js';
import { BUNDLED_DIR, type Registry, type RegistryRow } from '../registry/index.js';

/**
 * Where a module version's code lives on this machine: the release's plugins/ for a bundled
 * module; for a published one, its package unpacked once into `<data dir>/modules/<id>@<version>`
 * (named by the hash, so a changed package is never mistaken for the one installed).
 */
export async function moduleRoot(config: PlinthConfig, registry: Registry, row: RegistryRow): Promise<string> {
  if (row.source === 'bundled') return path.join(BUNDLED_DIR, row.moduleId);
  const root = path.join(config.dataDir, 'modules', `${row.moduleId}@${row.version}-${row.packageSha256.slice(0, 16)}`);
  if (fs.existsSync(path.join(root, 'manifest.json'))) return root;
  const pkg = await registry.packageOf(row);
  if (pkg.sha256 !== row.packageSha256)
    throw new Error(`${row.moduleId}@${row.version}: stored package does not match its registered hash`);
  const staging = `${root}.${process.pid}.tmp`;
  for (const [name, data] of pkg.files) {
    fs.mkdirSync(path.dirname(path.join(staging, name)), { recursive: true });
    fs.writeFileSync(path.join(staging, name), data);
  }
  try {
    fs.renameSync(staging, root);
  } catch (err) {
    // Another process unpacked the same package first: theirs is as good as ours.
    fs.rmSync(staging, { recursive: true, force: true });
    if (!fs.existsSync(path.join(root, 'manifest.json'))) throw err;
  }
  return root;
}
