import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { answerErrors } from '../../http/error-status.js';
import { refuseDeepJson } from '../../http/json-depth.js';
import { studioRequest, type StudioDeps, type StudioRequest } from './context.js';
import { mergeChoices, mergeContacts, mergeSearch } from './contact-merge.js';
import { arrangeDashboard, dashboard, resetDashboard } from './dashboard.js';
import { contactTimeline, eventLog, replayDelivery } from './events.js';
import { layoutCatalog, layoutSample, publishLayout, revertLayout } from './layouts.js';
import { reach } from './reach.js';
import { disableModule, enableModule, marketplaceListing } from './marketplace.js';
import { currentTheme, publishTheme, revertTheme } from './theme.js';

export { RoleError } from './errors.js';
export type { StudioDeps } from './context.js';

type Handler = (deps: StudioDeps, request: StudioRequest, req: Request) => Promise<unknown>;

/**
 * The JSON API behind the admin's own screens (dashboard, layout and theme editors,
 * marketplace, event log, contact timeline), mounted under /admin/studio/api after sign-in:
 * each request carries the user's role read that request and the workspace's current screens.
 */
export function studioApi(deps: StudioDeps): Router {
  const router = express.Router();
  // Large enough for a logo as a data: URL (the theme schema allows 100,000 characters).
  router.use((req: Request, res: Response, next: NextFunction) => {
    if (req.headers['content-type'] && !req.is('application/json')) {
      res.status(415).json({ error: `send application/json, not ${req.headers['content-type']}` });
      return;
    }
    next();
  });
  router.use(express.json({ limit: '256kb', strict: true, verify: refuseDeepJson }));
  const answer =
    (handler: Handler, status = 200) =>
    async (req: Request, res: Response, next: NextFunction) => {
      try {
        const result = await handler(deps, studioRequest(req, res), req);
        if (result === undefined) res.status(204).end();
        else res.status(status).json(result);
      } catch (err) {
        next(err);
      }
    };
  const param = (req: Request, name: string) => String(req.params[name]);

  router.get(
    '/dashboard',
    answer((d, r) => dashboard(d, r)),
  );
  router.put(
    '/dashboard',
    answer((d, r, req) => arrangeDashboard(d, r, req.body)),
  );
  router.delete(
    '/dashboard',
    answer((d, r) => resetDashboard(d, r)),
  );
  router.get(
    '/layouts',
    answer((d, r) => layoutCatalog(d, r)),
  );
  router.get(
    '/layouts/:resource/sample',
    answer((d, r, req) => layoutSample(d, r, param(req, 'resource'))),
  );
  router.put(
    '/layouts/:resource',
    answer((d, r, req) => publishLayout(d, r, param(req, 'resource'), req.body)),
  );
  router.delete(
    '/layouts/:resource',
    answer((d, r, req) => revertLayout(d, r, param(req, 'resource'))),
  );
  router.get(
    '/reach',
    answer((d, r) => reach(d, r)),
  );
  router.get(
    '/theme',
    answer((d, r) => currentTheme(d, r)),
  );
  router.put(
    '/theme',
    answer((d, r, req) => publishTheme(d, r, req.body)),
  );
  router.delete(
    '/theme',
    answer((d, r) => revertTheme(d, r)),
  );
  router.get(
    '/marketplace',
    answer((d, r) => marketplaceListing(d, r)),
  );
  router.post(
    '/marketplace/:module/enable',
    answer((d, r, req) => enableModule(d, r, param(req, 'module'), (req.body as { settings?: unknown } | undefined)?.settings)),
  );
  router.post(
    '/marketplace/:module/disable',
    answer((d, r, req) => disableModule(d, r, param(req, 'module'))),
  );
  router.get(
    '/events',
    answer((d, r, req) => eventLog(d, r, req.query)),
  );
  router.post(
    '/deliveries/:delivery/replay',
    answer((d, r, req) => replayDelivery(d, r, param(req, 'delivery'))),
  );
  router.get(
    '/contacts/:id/timeline',
    answer((d, r, req) => contactTimeline(d, r, param(req, 'id'))),
  );
  router.get(
    '/contacts/:id/merge',
    answer((d, r, req) => mergeChoices(d, r, param(req, 'id'))),
  );
  router.get(
    '/contacts/:id/merge/search',
    answer((d, r, req) => mergeSearch(d, r, param(req, 'id'), req.query)),
  );
  router.post(
    '/contacts/:id/merge',
    answer((d, r, req) => mergeContacts(d, r, param(req, 'id'), req.body)),
  );
  router.use((_req: Request, res: Response) => {
    res.status(404).json({ error: 'no such studio endpoint' });
  });
  router.use(answerErrors('studio request'));
  return router;
}
