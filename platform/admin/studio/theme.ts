import { NotFoundError } from '../../errors/index.js';
import type { Theme } from '../../manifests/index.js';
import { asContract, requireEditor, type StudioDeps, type StudioRequest } from './context.js';
import type { ThemeReply } from './shapes.js';

/** The key of the theme a workspace edits for itself (one per workspace). */
const OWN_KEY = 'workspace';

/** The theme that applies to this workspace and where it comes from: its own, an ancestor's, or the default. */
export async function currentTheme({ db }: StudioDeps, { user }: StudioRequest): Promise<ThemeReply> {
  const lineage = await db.app(user.workspaceId, () =>
    db.rows<{ id: string; slug: string; theme: Theme | null; key: string | null; own: boolean }>(
      `WITH RECURSIVE up(id, parent_id, theme_id, depth) AS (
         SELECT id, parent_id, theme_id, 0 FROM workspaces WHERE id = $1
         UNION ALL SELECT w.id, w.parent_id, w.theme_id, up.depth + 1 FROM workspaces w JOIN up ON w.id = up.parent_id)
       SELECT up.id, w.slug, t.definition AS theme, t.key, t.workspace_id = $1 AS own
         FROM up JOIN workspaces w ON w.id = up.id LEFT JOIN themes t ON t.id = up.theme_id ORDER BY up.depth`,
      [user.workspaceId],
    ),
  );
  const applied = lineage.find((w) => w.theme);
  if (applied) {
    const source =
      applied.id === user.workspaceId ? (applied.own ? 'own' : `shared theme "${applied.key}"`) : `workspace "${applied.slug}"`;
    return { theme: applied.theme, source };
  }
  const [fallback] = await db.app(user.workspaceId, () =>
    db.rows<{ definition: Theme }>("SELECT definition FROM themes WHERE workspace_id IS NULL AND key = 'default'"),
  );
  return { theme: fallback?.definition ?? null, source: 'default' };
}

/** Applies a theme of the workspace's own (branding and colours), checked against the theme schema. */
export async function publishTheme({ db }: StudioDeps, { user }: StudioRequest, body: unknown) {
  requireEditor(user, 'the theme');
  const theme = asContract('theme', body, (b) => ({ name: `${user.workspaceSlug} theme`, ...b, key: OWN_KEY }) as Theme);
  await db.app(user.workspaceId, async () => {
    const [row] = await db.rows<{ id: string }>(
      `INSERT INTO themes (workspace_id, key, name, definition) VALUES ($1, $2, $3, $4)
       ON CONFLICT ((COALESCE(workspace_id, '00000000-0000-0000-0000-000000000000'::uuid)), key)
       DO UPDATE SET name = EXCLUDED.name, definition = EXCLUDED.definition RETURNING id`,
      [user.workspaceId, OWN_KEY, theme.name, JSON.stringify(theme)],
    );
    // INSERT … ON CONFLICT DO UPDATE … RETURNING answers the row either way.
    await db.exec('UPDATE workspaces SET theme_id = $1 WHERE id = $2', [row!.id, user.workspaceId]);
  });
  return theme;
}

/** Drops the workspace's own theme (the workspace's `theme_id` is set null by its foreign key): its parent's, or the default, applies again. */
export async function revertTheme({ db }: StudioDeps, { user }: StudioRequest) {
  requireEditor(user, 'the theme');
  const removed = await db.app(user.workspaceId, () =>
    db.rows('DELETE FROM themes WHERE workspace_id = $1 AND key = $2 RETURNING id', [user.workspaceId, OWN_KEY]),
  );
  if (removed.length === 0) throw new NotFoundError('theme of its own in workspace', user.workspaceSlug);
}
