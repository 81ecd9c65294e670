import { createHash, randomBytes } from 'node:crypto';
import type { Database } from '../db/index.js';
import { NotFoundError, ValidationError } from '../errors/index.js';
import { checkText, checkUuid } from './normalize.js';

/** The scopes of the shell's own entities; a module's tables take `<module>:<table>:read|write`. */
export const SHELL_SCOPES = ['contacts:read', 'contacts:write', 'events:read'] as const;
const MODULE_SCOPE = /^([a-z][a-z0-9-]{1,30}):([a-z][a-z0-9_]{0,62}):(read|write)$/;
/** `plinth_<prefix>_<secret>`: the prefix tells tokens apart in lists, the secret is 256 random bits. */
const TOKEN = /^plinth_([0-9a-f]{8})_[0-9a-f]{64}$/;
export const DEFAULT_TOKEN_DAYS = 90;
/** How stale `last_used_at` may get: a token used all the time costs one write a minute, not one a request. */
const LAST_USED_STEP_SECONDS = 60;

export interface ApiTokenInput {
  name: string;
  scopes: string[];
  /** Defaults to DEFAULT_TOKEN_DAYS from now; must be in the future. */
  expiresAt?: Date;
  /** Who made it: a user's email, or `cli`. */
  createdBy: string;
}

/** A token as lists show it: never its secret, nor its hash. */
export interface ApiToken {
  id: string;
  workspaceId: string;
  name: string;
  scopes: string[];
  prefix: string;
  expiresAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdBy: string;
  createdAt: Date;
}

/** Who an API request comes from, once its token is found live. */
export interface ApiCaller {
  tokenId: string;
  workspaceId: string;
  scopes: string[];
}

const COLUMNS = `id, workspace_id AS "workspaceId", name, scopes, prefix, expires_at AS "expiresAt",
  last_used_at AS "lastUsedAt", revoked_at AS "revokedAt", created_by AS "createdBy", created_at AS "createdAt"`;

/**
 * Workspace API tokens. The plaintext is returned once, by `create`; the database keeps its
 * SHA-256 alone, which is enough for a random secret (there is no list of likely tokens to try,
 * and a slow hash would slow every request instead).
 */
export class ApiTokens {
  constructor(private readonly db: Database) {}

  /** Makes a token in the workspace; everything is checked before anything is written. */
  async create(workspaceId: string, input: ApiTokenInput): Promise<{ token: ApiToken; plaintext: string }> {
    checkUuid(workspaceId, 'workspaceId');
    const name = checkText(input.name, 'name', 100)!;
    const createdBy = checkText(input.createdBy, 'createdBy', 200)!;
    const scopes = checkScopes(input.scopes);
    const expiresAt = input.expiresAt ?? new Date(Date.now() + DEFAULT_TOKEN_DAYS * 86_400_000);
    if (!(expiresAt instanceof Date) || Number.isNaN(expiresAt.getTime()))
      throw new ValidationError('expiresAt', 'is not a time');
    if (expiresAt.getTime() <= Date.now())
      throw new ValidationError('expiresAt', `${expiresAt.toISOString()} is not in the future`);
    const prefix = randomBytes(4).toString('hex');
    const plaintext = `plinth_${prefix}_${randomBytes(32).toString('hex')}`;
    const [token] = await this.db.app(workspaceId, async () => {
      await this.requireModuleTables(scopes);
      const [workspace] = await this.db.rows('SELECT 1 FROM workspaces WHERE id = $1', [workspaceId]);
      if (!workspace) throw new NotFoundError('workspace', workspaceId);
      return this.db.rows<ApiToken>(
        `INSERT INTO api_tokens (workspace_id, name, scopes, token_hash, prefix, expires_at, created_by)
         VALUES ($1, $2, $3::text[], $4, $5, $6, $7) RETURNING ${COLUMNS}`,
        [workspaceId, name, scopes, hashOf(plaintext), prefix, expiresAt.toISOString(), createdBy],
      );
    });
    return { token: token!, plaintext }; // INSERT … RETURNING answers the one row it wrote
  }

  /** The workspace's tokens, newest first, revoked and expired ones included. */
  list(workspaceId: string): Promise<ApiToken[]> {
    checkUuid(workspaceId, 'workspaceId');
    return this.db.app(workspaceId, () =>
      this.db.rows<ApiToken>(`SELECT ${COLUMNS} FROM api_tokens WHERE workspace_id = $1 ORDER BY created_at DESC, id`, [
        workspaceId,
      ]),
    );
  }

  /**
   * Revokes a token by its id alone, from whichever workspace (the operator's command names the
   * id a list printed): maintenance as the owner. Revoking twice keeps the first time.
   */
  async revoke(id: string): Promise<ApiToken> {
    checkUuid(id, 'id');
    const [row] = await this.db.owner('revoke an API token', () =>
      this.db.rows<ApiToken>(
        `UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING ${COLUMNS}`,
        [id],
      ),
    );
    if (!row) throw new NotFoundError('API token', id);
    return row;
  }

  /**
   * The caller a plaintext token stands for, or null when it is malformed, unknown, revoked or
   * expired. The token's workspace is found by `plinth_api_token` (0022-api-tokens), before any
   * workspace is set; `last_used_at` is written at most once a minute.
   */
  async authenticate(plaintext: string): Promise<ApiCaller | null> {
    if (typeof plaintext !== 'string' || !TOKEN.test(plaintext)) return null;
    const [row] = await this.db.read<{ id: string; workspaceId: string; scopes: string[]; lastUsedAt: Date | null }>(
      { role: 'app' },
      'SELECT id, workspace_id AS "workspaceId", scopes, last_used_at AS "lastUsedAt" FROM plinth_api_token($1)',
      [hashOf(plaintext)],
    );
    if (!row) return null;
    if (!row.lastUsedAt || Date.now() - new Date(row.lastUsedAt).getTime() >= LAST_USED_STEP_SECONDS * 1000) {
      await this.db.app(row.workspaceId, () =>
        this.db.exec(
          `UPDATE api_tokens SET last_used_at = now()
            WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - $2 * interval '1 second')`,
          [row.id, LAST_USED_STEP_SECONDS],
        ),
      );
    }
    return { tokenId: row.id, workspaceId: row.workspaceId, scopes: row.scopes };
  }

  /** Each module scope names a table of an installed module. */
  private async requireModuleTables(scopes: string[]): Promise<void> {
    for (const [index, scope] of scopes.entries()) {
      const [, moduleId, table] = MODULE_SCOPE.exec(scope) ?? [];
      if (moduleId === undefined || table === undefined) continue;
      const [found] = await this.db.rows(
        `SELECT 1 FROM module_registry WHERE module_id = $1 AND status = 'installed'
            AND manifest->'tables' @> jsonb_build_array(jsonb_build_object('name', $2::text))`,
        [moduleId, table],
      );
      if (!found)
        throw new ValidationError(`scopes[${index}]`, `"${scope}": no installed module "${moduleId}" has a table "${table}"`);
    }
  }
}

/** The token's SHA-256, as the database keeps it. */
const hashOf = (plaintext: string): string => createHash('sha256').update(plaintext).digest('hex');

/** The scopes as given, each one of the shell's or a module table's, without repeats. */
function checkScopes(scopes: unknown): string[] {
  if (!Array.isArray(scopes) || scopes.length === 0) throw new ValidationError('scopes', 'at least one scope is required');
  if (scopes.length > 50) throw new ValidationError('scopes', 'at most 50 scopes');
  scopes.forEach((scope, index) => {
    if (typeof scope !== 'string' || !((SHELL_SCOPES as readonly string[]).includes(scope) || MODULE_SCOPE.test(scope)))
      throw new ValidationError(
        `scopes[${index}]`,
        `"${String(scope)}" is not a scope: one of ${SHELL_SCOPES.join(', ')}, or <module>:<table>:read|write`,
      );
  });
  return [...new Set(scopes as string[])];
}
