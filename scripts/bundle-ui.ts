/**
 * Bundles the admin's React screens once, at build time (`npm run build`): bundling in the
 * request path blocks the event loop for up to a second. The admin serves the result from
 * `admin-ui/components.bundle.js` beside the compiled code (`dist/` unless tsc was given another outDir).
 */
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import '../platform/admin/bundle-environment.js';
import { bundle } from '@adminjs/bundler';
import { componentLoader } from '../platform/admin/ui.js';

// The bundler takes folders relative to the working directory.
const folder = (name: string) => relative(process.cwd(), fileURLToPath(new URL(`../${name}`, import.meta.url)));
await bundle({ componentLoader, destinationDir: folder('admin-ui'), adminJsLocalDir: folder('admin-ui-work') });
