import crypto from 'node:crypto';
import type { Database } from '../db/index.js';
import type { Entities } from '../entities/index.js';
import { PlinthError } from '../errors/index.js';
import type { Registry } from '../registry/index.js';

/**
 * Each workspace's signing secret per module, for the module's signed (hmac) routes: issued on
 * first ask, replaced on rotation (the old one stops working at once).
 */
export class RouteSecrets {
  constructor(
    private readonly db: Database,
    private readonly entities: Entities,
    private readonly registry: Registry,
  ) {}

  async issue(moduleId: string, workspaceSlug: string, options: { rotate?: boolean } = {}): Promise<string> {
    const module = await this.registry.installed(moduleId);
    if (!module) throw new PlinthError('not_found', `no installed module "${moduleId}"`, moduleId);
    if (!(module.manifest.routes ?? []).some((r) => r.auth === 'hmac'))
      throw new PlinthError('no_signed_routes', `module "${moduleId}" has no signed (hmac) route to sign for`, moduleId);
    const workspace = await this.entities.workspaces.bySlug(workspaceSlug);
    const fresh = crypto.randomBytes(32).toString('hex');
    const [row] = await this.db.app(workspace.id, () =>
      this.db.rows<{ secret: string }>(
        `INSERT INTO route_secrets (workspace_id, module_id, secret) VALUES ($1, $2, $3)
         ON CONFLICT (workspace_id, module_id) DO UPDATE
           SET secret = CASE WHEN $4 THEN EXCLUDED.secret ELSE route_secrets.secret END,
               created_at = CASE WHEN $4 THEN now() ELSE route_secrets.created_at END
         RETURNING secret`,
        [workspace.id, moduleId, fresh, options.rotate === true],
      ),
    );
    return row!.secret; // INSERT … ON CONFLICT DO UPDATE … RETURNING answers the row either way
  }
}
