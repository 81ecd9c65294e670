import type { Server } from 'node:http';
import express from 'express';
import { healthHandler, type RuntimeState } from './health.js';
import { PROBLEM_TYPE } from './problem.js';

export type { RuntimeState, SeedState } from './health.js';
export { RequestDrain } from './drain.js';
export { answerErrors, errorAnswer, ERROR_STATUSES, statusOf, type ErrorAnswer } from './error-status.js';
export { answerProblems, problemOf, PROBLEM_TYPE, sendProblem, type Problem, type ProblemInput } from './problem.js';

/** The web application: health, and the admin, the workspace API, the modules' routes and form pages once the database is open (503 until then). */
export function createApp(state: RuntimeState, options: { trustProxy?: string | number } = {}): express.Express {
  const app = express();
  app.disable('x-powered-by');
  if (options.trustProxy !== undefined) app.set('trust proxy', options.trustProxy);
  app.get('/healthz', healthHandler(state));
  app.get('/', (_req, res) => res.redirect(302, '/admin'));
  app.use('/m', (req, res, next) => {
    if (state.modules) return state.modules(req, res, next);
    res.status(503).set('Retry-After', '2').json({ error: 'the platform is starting; try again in a moment' });
  });
  app.use('/api', (req, res, next) => {
    if (state.api) return state.api(req, res, next);
    const starting = {
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      detail: 'the platform is starting; try again in a moment',
      code: 'unavailable',
    };
    res.status(503).set('Retry-After', '2').type(PROBLEM_TYPE).send(JSON.stringify(starting));
  });
  app.use('/forms', (req, res, next) => {
    if (state.forms) return state.forms(req, res, next);
    res.status(503).set('Retry-After', '2').type('text').send('The platform is starting; try again in a moment.');
  });
  app.use('/admin', (req, res, next) => {
    if (state.admin) return state.admin(req, res, next);
    res
      .status(503)
      .set('Retry-After', '2')
      .type('text')
      .send(
        state.startupError
          ? `The platform failed to start: ${state.startupError}`
          : 'The platform is starting; try again in a moment.',
      );
  });
  return app;
}

/** Listens on `host:port` (port 0 picks a free one) and resolves once it accepts connections. */
export function listen(app: express.Express, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(server)));
  });
}
