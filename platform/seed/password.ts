import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { PlinthConfig } from '../config/index.js';

/**
 * The demo owners' password: PLINTH_DEMO_PASSWORD, or one generated on first use and kept in
 * `<data dir>/demo-password`, readable by this user only.
 */
export function demoPassword(config: PlinthConfig): { password: string; file?: string } {
  if (config.demoPassword) return { password: config.demoPassword };
  const file = path.join(config.dataDir, 'demo-password');
  try {
    return { password: fs.readFileSync(file, 'utf8').trim(), file };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(config.dataDir, { recursive: true });
  const password = randomBytes(12).toString('base64url');
  fs.writeFileSync(file, `${password}\n`, { mode: 0o600, flag: 'wx' });
  return { password, file };
}
