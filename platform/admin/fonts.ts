import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import express, { type Router } from 'express';

const WEIGHTS = ['300', '400', '500', '700'];
const FONT_DIR = path.dirname(createRequire(import.meta.url).resolve('@fontsource/roboto/400.css'));

/** The stylesheet the admin's pages link (AdminJS's own templates link Google Fonts). */
export const FONT_CSS_PATH = '/admin/fonts/roboto.css';

/** Roboto in the weights AdminJS uses, from the @fontsource package: no request leaves the machine. */
export function fontRoutes(): Router {
  const css = WEIGHTS.map((w) => fs.readFileSync(path.join(FONT_DIR, `${w}.css`), 'utf8'))
    .join('\n')
    .replaceAll('url(./files/', 'url(/admin/fonts/files/');
  const router = express.Router();
  router.get('/fonts/roboto.css', (_req, res) => {
    res.type('css').set('Cache-Control', 'public, max-age=86400').send(css);
  });
  router.use('/fonts/files', express.static(path.join(FONT_DIR, 'files'), { maxAge: '7d', immutable: true }));
  return router;
}
