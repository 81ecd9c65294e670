import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from '../db/index.js';
import { RecordFileError } from './errors.js';
import { contractValidator, describeErrors, type LayoutDefinition, type Theme } from '../manifests/index.js';

export { RecordFileError } from './errors.js';

/** The repository's root: this file runs from `dist/platform/records/`. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Shipped {
  themes: Theme[];
  layouts: LayoutDefinition[];
}

/** Reads and validates every `themes/*.json` and `layouts/*.json`; refuses all of them if one is broken. */
export function readShippedRecords(root = ROOT): Shipped {
  const read = <T>(folder: 'themes' | 'layouts', contract: 'theme' | 'layout'): T[] => {
    const dir = path.join(root, folder);
    const files = fs.existsSync(dir)
      ? fs
          .readdirSync(dir)
          .filter((f) => f.endsWith('.json'))
          .sort()
      : [];
    return files.map((f) => {
      const file = `${folder}/${f}`;
      let value: unknown;
      try {
        value = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
      } catch (err) {
        throw new RecordFileError(file, [{ path: '', message: `not JSON: ${(err as Error).message}` }]);
      }
      const validate = contractValidator(contract);
      if (!validate(value)) throw new RecordFileError(file, describeErrors(validate.errors));
      return value as T;
    });
  };
  const themes = read<Theme>('themes', 'theme');
  const layouts = read<LayoutDefinition>('layouts', 'layout');
  const twice = (keys: string[]) => keys.find((k, i) => keys.indexOf(k) !== i);
  const theme = twice(themes.map((t) => t.key));
  if (theme) throw new RecordFileError('themes/', [{ path: '/key', message: `"${theme}" is shipped twice` }]);
  const layout = twice(layouts.map((l) => l.resource));
  if (layout) throw new RecordFileError('layouts/', [{ path: '/resource', message: `"${layout}" is shipped twice` }]);
  return { themes, layouts };
}

const NO_WORKSPACE = "'00000000-0000-0000-0000-000000000000'::uuid";

/**
 * Writes the shipped themes and layouts as defaults (rows without workspace), in one
 * transaction: all or nothing. What admins changed in their workspaces is never touched.
 */
export async function loadShippedRecords(db: Database, root = ROOT): Promise<{ themes: number; layouts: number }> {
  const { themes, layouts } = readShippedRecords(root);
  await db.owner('load shipped themes and layouts', async () => {
    for (const theme of themes) {
      await db.exec(
        `INSERT INTO themes (workspace_id, key, name, definition) VALUES (NULL, $1, $2, $3)
         ON CONFLICT ((COALESCE(workspace_id, ${NO_WORKSPACE})), key)
         DO UPDATE SET name = EXCLUDED.name, definition = EXCLUDED.definition
         WHERE themes.definition IS DISTINCT FROM EXCLUDED.definition OR themes.name IS DISTINCT FROM EXCLUDED.name`,
        [theme.key, theme.name, JSON.stringify(theme)],
      );
    }
    for (const layout of layouts) {
      await db.exec(
        `INSERT INTO layout_definitions (workspace_id, module_id, resource, definition) VALUES (NULL, NULL, $1, $2)
         ON CONFLICT ((COALESCE(workspace_id, ${NO_WORKSPACE})), resource)
         DO UPDATE SET definition = EXCLUDED.definition, version = layout_definitions.version + 1
         WHERE layout_definitions.definition IS DISTINCT FROM EXCLUDED.definition`,
        [layout.resource, JSON.stringify(layout)],
      );
    }
  });
  return { themes: themes.length, layouts: layouts.length };
}
