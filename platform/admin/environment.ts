import { fileURLToPath } from 'node:url';

/**
 * AdminJS reads these once, when it is first imported, so this module is imported before it:
 * production (minified) bundles, no bundling in the request path, and a bundle folder whose name
 * does not start with a dot (Express 5 refuses to send files from dot folders).
 */
process.env.NODE_ENV ??= 'production';
process.env.ADMIN_JS_SKIP_BUNDLE = 'true';
process.env.ADMIN_JS_TMP_DIR ??= fileURLToPath(new URL('./bundle/', import.meta.url));

/** The custom-components bundle: the shell registers no React components, so it only declares their empty map. */
export const COMPONENTS_BUNDLE = 'AdminJS.UserComponents = {};\n';
