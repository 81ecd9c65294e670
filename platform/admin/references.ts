import type { PluginManifest } from '../manifests/index.js';

type Column = NonNullable<PluginManifest['tables']>[number]['schema']['properties'][string];

/**
 * Columns that hold the id of a contact or of a row of the module's own tables show that row
 * (its name, linked) instead of a UUID, and are edited by picking it. Users and workspaces are
 * not admin screens: their ids stay as they are.
 */
export function referenceProperties(moduleId: string, columns: [string, Column][], tables: string[]): Record<string, object> {
  return Object.fromEntries(
    columns.flatMap(([name, column]): [string, object][] => {
      const target = column['x-plinth-references'];
      if (target === 'contacts') return [[name, { reference: 'contacts' }]];
      if (target && tables.includes(target)) return [[name, { reference: `${moduleId}.${target}` }]];
      return [];
    }),
  );
}
