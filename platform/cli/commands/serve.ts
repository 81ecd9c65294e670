import type { Command } from 'commander';
import { loadConfig, type PlinthConfig } from '../../config/index.js';
import { migrateUp, openDatabase, type Database } from '../../db/index.js';
import { createApi, workspaceDocument } from '../../api/index.js';
import { createPlatform } from '../../composition/index.js';
import { EventRetention, type EventBus } from '../../events/index.js';
import { createApp, listen, RequestDrain, type RuntimeState } from '../../http/index.js';
import { loadShippedRecords } from '../../records/index.js';
import { log } from '../../log/index.js';
import { createModuleRoutes, createWebFormPages } from '../../routes/index.js';
import type { Dispatcher } from '../../worker/index.js';
import { demoPassword, isEmpty, loadDemoData, seedDemo } from '../../seed/index.js';
import { sendDemoRequests } from '../demo-requests.js';
import { closePlatform, onStopSignals, stopOutcome, stopWithin } from '../shutdown.js';

/** What start-up has opened so far: what a stop must close. */
interface Running {
  /** Set by the first signal: start-up goes no further. */
  stopping: boolean;
  db?: Database;
  bus?: EventBus;
  dispatcher?: Dispatcher;
}

export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('run the platform: listen first, then open and migrate the database, and deliver events')
    .option('--init', 'also seed the demo data when the database is empty (what npm start does)')
    .action(async (options: { init?: boolean }) => {
      const config = loadConfig();
      const state: RuntimeState = {
        mode: config.databaseUrl ? 'server' : 'embedded',
        seed: options.init ? 'pending' : 'skipped',
      };
      const server = await listen(createApp(state, { trustProxy: config.trustProxy }), config.host, config.port);
      const requests = new RequestDrain(server);
      const { port } = server.address() as { port: number };
      const url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}/`;
      const running: Running = { stopping: false };
      let started = false;
      let startup: Promise<void> = Promise.resolve();
      // Stop accepting, let requests in flight and the dispatcher's deliveries finish within
      // PLINTH_SHUTDOWN_MS, then close the database (and with it the embedded server's child).
      // Set before anything is printed: whoever reads the address may stop the process at once.
      onStopSignals(async (signal) => {
        running.stopping = true;
        log.info({ signal, deadlineMs: config.shutdownMs }, 'stopping: finishing requests in flight and deliveries');
        const late = await stopWithin(config.shutdownMs, [
          { name: 'requests in flight', stop: () => requests.drain(), pending: () => requests.pending() },
          {
            // Read at the deadline, when start-up may have finished since the signal.
            get name() {
              return started ? 'the dispatcher' : 'start-up';
            },
            // The dispatcher stops at once, even while start-up (a first run's seed) goes on: start-up
            // does not wait for deliveries, and one left polling would fail on the closing database.
            stop: async () => {
              const dispatcher = running.dispatcher;
              const stopped = dispatcher?.stop();
              await startup;
              await stopped;
              if (running.dispatcher !== dispatcher) await running.dispatcher?.stop();
            },
            pending: () => [
              started
                ? 'a delivery still running'
                : state.seed === 'running'
                  ? 'seeding the demo data'
                  : state.db
                    ? 'mounting the admin'
                    : 'opening and migrating the database',
            ],
          },
        ]);
        // Whatever did not finish is dropped: its clients see the connection close.
        if (late.length > 0) requests.destroy();
        late.push(...(await closePlatform(running, late.length > 0)));
        return stopOutcome('plinth serve', config.shutdownMs, late);
      });
      console.log(`Plinth is listening on ${url} (admin: ${url}admin, health: ${url}healthz)`);
      startup = start(config, state, running, url, options.init === true).finally(() => (started = true));
    });
}

/**
 * Opens and migrates the database, starts the dispatcher and mounts the admin, the API and the modules'
 * routes; seeds on first run with --init. Never rejects: a failure is reported by /healthz. Stops
 * between steps once a signal has come, so that nothing starts after the stop has begun.
 */
async function start(config: PlinthConfig, state: RuntimeState, running: Running, url: string, init: boolean): Promise<void> {
  try {
    const db = await openDatabase(config);
    running.db = db;
    if (running.stopping) return;
    await migrateUp(db);
    await EventRetention.fromConfig(db, config).ensurePartitions();
    await loadShippedRecords(db);
    state.db = db;
    const platform = createPlatform({ config, db });
    const { entities, bus, marketplace, runtime } = platform;
    running.bus = bus;
    await marketplace.registry.registerBundled();
    if (running.stopping) return;
    // Events are delivered in-process too; more workers may run beside it (`plinth worker`).
    const dispatcher = platform.dispatcher();
    running.dispatcher = dispatcher;
    dispatcher.start();
    // Imported here, not at the top: AdminJS takes a second or two to load, which every other command would pay.
    const { createAdmin } = await import('../../admin/index.js');
    state.admin = createAdmin({
      db,
      entities,
      marketplace,
      runtime,
      config,
      webhooks: platform.webhooks,
      apiDocument: (slug) => workspaceDocument(platform, slug),
    });
    state.api = createApi(platform);
    state.modules = createModuleRoutes({ db, entities, marketplace, runtime, config });
    state.forms = createWebFormPages({ db, marketplace });
    if (running.stopping) return;
    const demo = demoPassword(config);
    if (init && (await isEmpty(db))) {
      state.seed = 'running';
      console.log('first run: seeding the demo data');
      const report = await seedDemo(db, entities, {
        password: demo.password,
        marketplace,
        runtime,
        sendRequests: (sequences) => sendDemoRequests(platform, sequences),
        progress: process.stderr.isTTY,
      });
      state.seed = 'done';
      log.info({ report }, 'demo data seeded');
    } else if (init) {
      state.seed = 'done';
    }
    const owners = loadDemoData().users.map((u) => u.email);
    console.log(`Demo login: ${owners.join(', ')} — password: ${demo.password}${demo.file ? ` (kept in ${demo.file})` : ''}`);
    console.log(`Ready: ${url}admin`);
  } catch (err) {
    state.startupError = (err as { parent?: Error }).parent?.message ?? (err as Error).message;
    if (state.seed === 'running') state.seed = 'failed';
    // Once stopping, the database closing under start-up is expected, not a failure to report.
    if (!running.stopping) log.error({ err }, 'start-up failed');
  }
}
