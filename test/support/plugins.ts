import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scaffoldFiles } from '../../platform/manifests/index.js';
import type { Database } from '../../platform/db/index.js';
import { contentsOf, type Contents } from './database.js';

/** test/fixtures in the source tree (tests run from dist/test). */
export const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));

/**
 * A plugin folder made from the scaffold of `id`, with its manifest changed by `edit` and
 * extra files added: each test states only how its plugin differs from a working one.
 */
export function pluginDir(
  id: string,
  edit: (manifest: Record<string, any>) => void = () => {},
  extra: Record<string, string> = {},
): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `plinth-plugin-${id}-`));
  for (const [name, text] of scaffoldFiles(id)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  edit(manifest);
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  for (const [name, text] of Object.entries(extra)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

/**
 * What a refused lifecycle step must leave untouched: registry rows and packages, module roles
 * and schemas, lifecycle events, installations, and who owns which module id.
 */
export async function marketplaceFootprint(db: Database): Promise<Record<string, Contents>> {
  return db.unit({ role: 'connection' }, async () => ({
    registry: await contentsOf(db, 'SELECT * FROM module_registry'),
    packages: await contentsOf(db, 'SELECT * FROM module_packages'),
    roles: await contentsOf(db, 'SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)', [`${db.roles.prefix}mod_`]),
    schemas: await contentsOf(db, "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'mod\\_%'"),
    lifecycle: await contentsOf(db, "SELECT * FROM events WHERE producer = 'plinth'"),
    installations: await contentsOf(db, 'SELECT * FROM module_installations'),
    publishers: await contentsOf(db, 'SELECT * FROM module_publishers'),
  }));
}
