import { buildRoute } from '@adminjs/express';
import AdminJS, { Router as AdminRouter } from 'adminjs';
import express, { type Router } from 'express';
import parseForm from 'express-formidable';

/**
 * A workspace's AdminJS routes, as `@adminjs/express`'s `buildRouter` makes them but without what
 * it puts in front of every request: its static assets and the components bundle (the admin serves
 * those once for every workspace, before sign-in) and a form parser that would run for every
 * method. Forms are parsed for POST only; a GET or HEAD has no body.
 */
export function adminRoutes(admin: AdminJS): Router {
  const router = express.Router();
  const routes = AdminRouter.routes.filter((route) => route.action !== 'bundleComponents');
  const form = parseForm();
  router.use((req, res, next) => (req.method === 'POST' ? form(req, res, next) : next()));
  for (const route of routes) buildRoute({ route, router, admin });
  return router;
}
