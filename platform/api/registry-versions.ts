import type { Marketplace, RegistryRow } from '../registry/index.js';

/**
 * Module versions by registry id. A version's manifest never changes once published, so a row
 * read once serves every later request; the registry is read again only for an id not seen yet.
 */
export class RegistryVersions {
  private readonly known = new Map<string, RegistryRow>();

  constructor(private readonly marketplace: Marketplace) {}

  async get(ids: readonly string[]): Promise<RegistryRow[]> {
    if (ids.some((id) => !this.known.has(id)))
      for (const row of await this.marketplace.registry.rows()) this.known.set(row.id, row);
    return ids.flatMap((id) => this.known.get(id) ?? []);
  }
}
