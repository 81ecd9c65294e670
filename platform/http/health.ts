import type { Request, RequestHandler, Response } from 'express';
import { migrationStatus, type Database, type DatabaseMode } from '../db/index.js';

export type SeedState = 'pending' | 'running' | 'done' | 'skipped' | 'failed';

/** What the running platform knows about itself; filled in as start-up proceeds. */
export interface RuntimeState {
  mode: DatabaseMode;
  db?: Database;
  /** The admin's router, once the database is open. */
  admin?: RequestHandler;
  /** The modules' routes (`/m/<module id>/…`), once the database is open. */
  modules?: RequestHandler;
  /** The workspace API (`/api/v1/<workspace>/…`), once the database is open. */
  api?: RequestHandler;
  /** The pages of the modules' web forms (`/forms/<module id>/…`), once the database is open. */
  forms?: RequestHandler;
  seed: SeedState;
  startupError?: string;
}

/**
 * `/healthz`: 200 once the database answers and every migration has run; 503 before that
 * and whenever the database stops answering.
 */
export function healthHandler(state: RuntimeState) {
  return async (_req: Request, res: Response): Promise<void> => {
    const database = { mode: state.mode, reachable: false, migrations: null as null | { executed: number; pending: number } };
    if (state.db && (await state.db.probe(2000)).reachable) {
      database.reachable = true;
      const status = await migrationStatus(state.db).catch(() => null);
      if (status) database.migrations = { executed: status.executed.length, pending: status.pending.length };
    }
    const ready = database.reachable && database.migrations?.pending === 0;
    const status = ready ? 'ok' : state.startupError ? 'failed' : state.db && !database.reachable ? 'unavailable' : 'starting';
    res
      .status(ready ? 200 : 503)
      .json({ status, database, seed: state.seed, ...(state.startupError && { error: state.startupError }) });
  };
}
