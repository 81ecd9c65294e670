/**
 * Bundles the admin's React screens once, at build time (`npm run build`): bundling in the
 * request path blocks the event loop for up to a second. The admin serves the result from
 * `dist/admin-ui/components.bundle.js`.
 */
import './bundle-environment.js';
import { bundle } from '@adminjs/bundler';
import { componentLoader } from './ui.js';

await bundle({ componentLoader, destinationDir: 'dist/admin-ui', adminJsLocalDir: 'dist/admin-ui-work' });
