import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { NotFoundError, PlinthError, ValidationError } from '../errors/index.js';
import { errorAnswer } from '../http/error-status.js';
import { outcomesCsv, type Imports, type ImportPlan, type ImportRow, type Mapping } from '../import/index.js';
import { log } from '../log/index.js';
import { importListPage, importPage, mappingPage, dryRunPage, type Draft } from './import-markup.js';
import { escapeHtml } from './markup.js';
import { plainPage } from './plain-page.js';
import { canEdit, type Built } from './screens.js';
import { uploadForm, uploadOf } from './import-upload.js';

const SHA256 = /^[0-9a-f]{64}$/;

type Handler = (req: Request, res: Response) => Promise<void>;

/**
 * The admin's CSV import, for owners and admins: upload a file (kept under the data directory,
 * by its digest, so an import can be resumed from it), map its columns, preview, dry-run, then
 * import in the server's own time — the browser may leave; the page shows progress while it is
 * open — and download each row's outcome. An import this process is not running (the server
 * stopped midway) is resumed from its page, as `plinth import` resumes it.
 */
export function importScreens(imports: Imports, dataDir: string): Router {
  const router = express.Router();
  const running = new Set<string>();
  const form = express.urlencoded({ extended: false, limit: '64kb' });
  const fileOf = (workspaceId: string, sha: string) => path.join(dataDir, 'imports', workspaceId, `${sha}.csv`);

  router.use((req, res, next) => {
    if (canEdit(req.session.adminUser!.role)) return next();
    res
      .status(403)
      .type('html')
      .send(plainPage('Import', '<p class="error" role="alert">Only owners and admins of this workspace may import.</p>'));
  });

  /** The draft a mapping page, dry run or import works on: the uploaded file, its target and the mapping chosen. */
  const draftOf = async (req: Request, params: Record<string, unknown>): Promise<Draft> => {
    const user = req.session.adminUser!;
    const sha = String(req.params.sha);
    if (!SHA256.test(sha)) throw new ValidationError('file', `"${sha}" is not an uploaded file's digest`);
    const file = fileOf(user.workspaceId, sha);
    await fs.access(file).catch(() => {
      throw new NotFoundError('uploaded file (upload it again)', sha);
    });
    const text = (name: string) => (typeof params[name] === 'string' ? params[name] : '');
    const name = text('name') || 'upload.csv';
    const target = text('target') || 'contacts';
    const country = text('country') || undefined;
    const source = { path: file, name };
    const { headers, fields, defaults } = await imports.columns({ workspaceId: user.workspaceId, target, source });
    // Until the page's form has been sent, the columns map by their headers, as the CLI maps them.
    const mapping: Mapping =
      text('mapped') === ''
        ? defaults
        : headers.flatMap((column, i) => (text(`c${i}`) ? [{ column, field: text(`c${i}`) }] : []));
    return { sha, name, target, country, headers, fields, mapping };
  };

  const planOf = (req: Request, draft: Draft): Promise<ImportPlan> =>
    imports.plan({
      workspaceId: req.session.adminUser!.workspaceId,
      target: draft.target,
      source: { path: fileOf(req.session.adminUser!.workspaceId, draft.sha), name: draft.name },
      mapping: draft.mapping,
      defaultCountry: draft.country,
    });

  /** Starts the import in this process; answers with its id once its first batch is under way. */
  const start = (plan: ImportPlan, createdBy: string): Promise<string> =>
    new Promise((resolve, reject) => {
      let id: string | undefined;
      imports
        .run(plan, {
          createdBy,
          onProgress: (progress) => {
            if (id) return;
            id = progress.importId;
            running.add(id);
            resolve(id);
          },
        })
        .catch((err: Error) => {
          if (!id) return reject(err);
          log.error({ err, importId: id }, 'an import started in the admin stopped');
        })
        .finally(() => id && running.delete(id));
    });

  router.get(
    '/',
    page(async (req, res) => {
      const user = req.session.adminUser!;
      const targets = [...(res.locals.screens as Built).catalog.values()].map((e) => ({ id: e.id, label: e.label }));
      const list = await imports.store.list(user.workspaceId);
      res.type('html').send(importListPage(req.baseUrl, targets, list, running));
    }),
  );

  router.post(
    '/',
    (req, res, next) => {
      let answered = false; // formidable reports an error both as an event and to its callback
      uploadForm(req, res, (err?: unknown) => {
        if (answered) return;
        answered = true;
        // formidable's refusals (too many fields, a malformed body) are plain errors without a code: the sender's fault.
        const refusal =
          err instanceof Error && !(err instanceof PlinthError) && !('code' in err)
            ? new ValidationError('form', err.message)
            : err;
        if (!refusal || req.complete) return next(refusal);
        // A refusal mid-body (a file too large) is answered once the rest is read, so the browser sees the answer.
        req.resume();
        req.once('end', () => next(refusal));
      });
    },
    page(async (req, res) => {
      const user = req.session.adminUser!;
      const upload = uploadOf(req);
      const fields = (req as Request & { fields?: Record<string, unknown> }).fields ?? {};
      const target = typeof fields.target === 'string' && fields.target ? fields.target : 'contacts';
      // Refused here, writing nothing, when it is not CSV or the target is not one of this workspace's.
      await imports.columns({ workspaceId: user.workspaceId, target, source: { buffer: upload.bytes, name: upload.name } });
      const sha = createHash('sha256').update(upload.bytes).digest('hex');
      const file = fileOf(user.workspaceId, sha);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, upload.bytes);
      const query = new URLSearchParams({ name: upload.name, target });
      res.redirect(303, `${req.baseUrl}/new/${sha}?${query}`);
    }),
  );

  router.get(
    '/new/:sha',
    page(async (req, res) => {
      const draft = await draftOf(req, req.query);
      let preview: Awaited<ReturnType<Imports['preview']>> | undefined;
      let refusal: string | undefined;
      try {
        preview = await imports.preview(await planOf(req, draft));
      } catch (err) {
        if (!(err instanceof PlinthError)) throw err;
        refusal = err.message;
      }
      res.type('html').send(mappingPage(req.baseUrl, draft, preview, refusal));
    }),
  );

  router.post(
    '/new/:sha/dry-run',
    form,
    page(async (req, res) => {
      const draft = await draftOf(req, req.body as Record<string, unknown>);
      const outcomes = await imports.dryRun(await planOf(req, draft));
      if ((req.body as Record<string, unknown>).format === 'csv') {
        res.type('text/csv; charset=utf-8').attachment('dry-run.csv');
        outcomesCsv(
          (async function* () {
            yield* outcomes;
          })(),
        ).pipe(res);
        return;
      }
      res.type('html').send(dryRunPage(req.baseUrl, draft, outcomes));
    }),
  );

  router.post(
    '/new/:sha/run',
    form,
    page(async (req, res) => {
      const draft = await draftOf(req, req.body as Record<string, unknown>);
      const id = await start(await planOf(req, draft), req.session.adminUser!.email);
      res.redirect(303, `${req.baseUrl}/${id}`);
    }),
  );

  router.get(
    '/:id',
    page(async (req, res) => {
      const item = await imports.store.get(req.session.adminUser!.workspaceId, String(req.params.id));
      const active = running.has(item.id);
      // The page asks again while the import runs here: no script, and nothing lost if it is closed.
      if (active) res.set('Refresh', '2');
      res.type('html').send(importPage(req.baseUrl, item, active, await imports.counts(item)));
    }),
  );

  router.post(
    '/:id/resume',
    page(async (req, res) => {
      const user = req.session.adminUser!;
      const item: ImportRow = await imports.store.get(user.workspaceId, String(req.params.id));
      if (item.status === 'running' && !running.has(item.id)) {
        const plan = await imports.plan({
          workspaceId: user.workspaceId,
          target: item.target,
          source: { path: fileOf(user.workspaceId, item.fileSha256), name: item.fileName },
          mapping: item.mapping,
          defaultCountry: item.options.defaultCountry,
        });
        await start(plan, user.email);
      }
      res.redirect(303, `${req.baseUrl}/${item.id}`);
    }),
  );

  router.get(
    '/:id/outcomes.csv',
    page(async (req, res) => {
      const item = await imports.store.get(req.session.adminUser!.workspaceId, String(req.params.id));
      res.type('text/csv; charset=utf-8').attachment(`import-${item.id}-outcomes.csv`);
      const csv = imports.outcomesCsv(item.workspaceId, item.id);
      csv.on('error', (err) => {
        log.error({ err, importId: item.id }, 'an import’s outcomes download failed');
        res.destroy();
      });
      csv.pipe(res);
    }),
  );

  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => answer(err, res, next));
  return router;
}

/** A handler whose refusals are answered as a page naming what is wrong. */
const page =
  (handler: Handler) =>
  (req: Request, res: Response, next: NextFunction): void =>
    void handler(req, res).catch((err: unknown) => answer(err, res, next));

function answer(err: unknown, res: Response, next: NextFunction): void {
  if (res.headersSent) return next(err);
  const { status, body } = errorAnswer(err);
  if (status >= 500) return next(err);
  res
    .status(status)
    .type('html')
    .send(
      plainPage(
        'Import refused',
        `<p class="error" role="alert">${escapeHtml(body.error)}</p><p><a href="/admin/imports">Back to imports</a></p>`,
      ),
    );
}
