import { componentsBundle } from './environment.js';
import { Router as AdminRouter } from 'adminjs';
import type { Router } from 'express';
import { fontRoutes } from './fonts.js';

/** Fonts, the components bundle and AdminJS's own scripts and styles. */
export function serveAssets(router: Router): void {
  router.use(fontRoutes());
  const bundle = componentsBundle();
  // Revalidated on every load (its ETag answers 304), so a new build's screens show at once.
  router.get('/frontend/assets/components.bundle.js', (_req, res) => {
    res.type('js').set('Cache-Control', 'no-cache').send(bundle);
  });
  // AdminJS's own scripts and styles, for the sign-in page too: served before the sign-in check.
  for (const asset of AdminRouter.assets) {
    router.get(asset.path, (_req, res, next) => res.sendFile(asset.src, { maxAge: '1d' }, (err) => err && next(err)));
  }
}
