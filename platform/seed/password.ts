import { keptSecret, type PlinthConfig } from '../config/index.js';

/**
 * The demo owners' password: PLINTH_DEMO_PASSWORD, or one generated on first use and kept in
 * `<data dir>/demo-password`, readable by this user only.
 */
export function demoPassword(config: PlinthConfig): { password: string; file?: string } {
  if (config.demoPassword) return { password: config.demoPassword };
  const { value, file } = keptSecret(config.dataDir, 'demo-password', 12);
  return { password: value, file };
}
