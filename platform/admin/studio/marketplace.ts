import type { RegistryRow } from '../../registry/index.js';
import { requireEditor, type StudioDeps, type StudioRequest } from './context.js';
import type { MarketplaceListing } from './shapes.js';

/** Who vouches for a package, as the marketplace shows it. */
function signatureStatus(row: RegistryRow): string {
  if (row.source === 'bundled') return 'bundled with the release';
  return row.signature ? `signed (key ${row.signingKey ?? 'unknown'})` : 'unsigned';
}

/**
 * The registry as this workspace sees it: each module once (its installed version, else its
 * newest), whether it is enabled here, and its settings with their schema.
 */
export async function marketplaceListing({ marketplace }: StudioDeps, { user }: StudioRequest): Promise<MarketplaceListing[]> {
  const rows = await marketplace.registry.rows();
  const installations = await marketplace.lifecycle.installations(user.workspaceId);
  const byModule = new Map<string, RegistryRow>();
  for (const row of rows) {
    if (row.status === 'withdrawn') continue;
    const seen = byModule.get(row.moduleId);
    if (!seen || (seen.status !== 'installed' && (row.status === 'installed' || row.createdAt > seen.createdAt)))
      byModule.set(row.moduleId, row);
  }
  const listed = [...byModule.values()].sort((a, b) => a.manifest.name.localeCompare(b.manifest.name));
  const settingsSchemas = await Promise.all(listed.map((row) => marketplace.registry.settingsAsWritten(row)));
  return listed.map((row, i) => {
    const installation = installations.find((i) => i.moduleId === row.moduleId);
    return {
      id: row.moduleId,
      name: row.manifest.name,
      vendor: row.manifest.vendor.name,
      version: row.version,
      description: row.manifest.description,
      capabilities: row.manifest.capabilities.requires,
      network: row.manifest.network?.hosts ?? [],
      tags: row.manifest.capabilities.provides ?? [],
      pricing: row.manifest.pricing ?? { model: 'free' },
      signature: signatureStatus(row),
      installed: row.status === 'installed',
      enabled: installation?.enabled ?? false,
      settings: installation?.settings ?? null,
      // The manifest schema requires settings to be a JSON Schema object; the registry reads it as it was written.
      settingsSchema: settingsSchemas[i] as MarketplaceListing['settingsSchema'],
      dependencies: Object.keys(row.manifest.dependencies ?? {}),
    };
  });
}

/** Enables a module here, or saves its settings when it is enabled already (the lifecycle checks both). */
export async function enableModule({ marketplace }: StudioDeps, { user }: StudioRequest, moduleId: string, settings: unknown) {
  requireEditor(user, 'which modules are enabled');
  return marketplace.lifecycle.enable(moduleId, user.workspaceSlug, settings, { type: 'user', id: user.id });
}

export async function disableModule({ marketplace }: StudioDeps, { user }: StudioRequest, moduleId: string) {
  requireEditor(user, 'which modules are enabled');
  await marketplace.lifecycle.disable(moduleId, user.workspaceSlug, { type: 'user', id: user.id });
}
