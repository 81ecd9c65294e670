import type { Database } from '../db/index.js';
import { NotFoundError } from '../errors/index.js';
import type { RegistryRow } from '../registry/index.js';
import type { RegistryVersions } from './registry-versions.js';

/** The workspace a request is answered in, with the module versions enabled there. */
export interface ApiWorkspace {
  id: string;
  slug: string;
  name: string;
  modules: RegistryRow[];
}

/**
 * The token's workspace when the path names it, with its enabled modules, in one statement of
 * the caller's unit; another workspace's slug is answered as one that does not exist.
 */
export async function workspaceOf(
  db: Database,
  versions: RegistryVersions,
  workspaceId: string,
  slug: string,
): Promise<ApiWorkspace> {
  const [own] = await db.rows<{ name: string; modules: string[] }>(
    `SELECT w.name, ARRAY(SELECT registry_id::text FROM module_installations
                           WHERE workspace_id = w.id AND enabled ORDER BY module_id) AS modules
       FROM workspaces w WHERE w.id = $1 AND w.slug = $2`,
    [workspaceId, slug],
  );
  if (!own) throw new NotFoundError('workspace', slug);
  return { id: workspaceId, slug, name: own.name, modules: await versions.get(own.modules) };
}
