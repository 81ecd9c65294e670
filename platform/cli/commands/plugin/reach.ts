import type { PluginManifest } from '../../../manifests/index.js';

/** What an operator must know of a module's reach before it runs anywhere. */
export const reach = (manifest: PluginManifest): string =>
  manifest.network ? `\n  its code may reach these hosts over HTTPS: ${manifest.network.hosts.join(', ')}` : '';
