import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * AdminJS reads these once, when it is first imported, so this module is imported before it:
 * production (minified) bundles, no bundling in the request path, and a bundle folder whose name
 * does not start with a dot (Express 5 refuses to send files from dot folders).
 */
process.env.NODE_ENV ??= 'production';
process.env.ADMIN_JS_SKIP_BUNDLE = 'true';
process.env.ADMIN_JS_TMP_DIR ??= fileURLToPath(new URL('./bundle/', import.meta.url));

const BUNDLE = new URL('../../admin-ui/components.bundle.js', import.meta.url);

/** The admin's React screens, bundled by `npm run build` (see `scripts/bundle-ui.ts`). */
export function componentsBundle(): string {
  if (!fs.existsSync(BUNDLE)) {
    throw new Error(`the admin's screens are not bundled (${fileURLToPath(BUNDLE)} is missing): run npm run build`);
  }
  return fs.readFileSync(BUNDLE, 'utf8');
}
