export { RouteError } from './errors.js';
export {
  createModuleRoutes,
  DEFAULT_RATE_LIMITS,
  type ModuleRoutesDeps,
  type RouteReply,
  type RouteRequest,
} from './module-routes.js';
export { MAX_BODY_BYTES } from './body.js';
export { RouteSecrets } from './secrets.js';
export { sign, SIGNATURE_TOLERANCE_MS } from './signature-check.js';
export { createWebFormPages, type WebFormPagesDeps } from './web-form-pages.js';
