import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import { migrateUp, openDatabase } from '../../db/index.js';
import { createEntities } from '../../entities/index.js';
import { EventBus, EventRetention } from '../../events/index.js';
import { createMarketplace } from '../../registry/index.js';
import { createApp, listen, type RuntimeState } from '../../http/index.js';
import { ModuleRuntime } from '../../gateway/index.js';
import { loadShippedRecords } from '../../records/index.js';
import { log } from '../../log/index.js';
import { createModuleRoutes } from '../../routes/index.js';
import { Dispatcher } from '../../worker/index.js';
import { demoPassword, isEmpty, loadDemoData, seedDemo } from '../../seed/index.js';

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
      const { port } = server.address() as { port: number };
      const url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}/`;
      console.log(`Plinth is listening on ${url} (admin: ${url}admin, health: ${url}healthz)`);
      let dispatcher: Dispatcher | undefined;
      const stop = async (): Promise<void> => {
        server.close();
        await dispatcher?.stop();
        await state.db?.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
      try {
        const db = await openDatabase(config);
        await migrateUp(db);
        await EventRetention.fromConfig(db, config).ensurePartitions();
        await loadShippedRecords(db);
        state.db = db;
        const entities = createEntities(db);
        const bus = new EventBus(db, { notifyUrl: config.databaseUrl });
        const marketplace = createMarketplace(db, entities, config, bus);
        await marketplace.registry.registerBundled();
        // Events are delivered in-process too; more workers may run beside it (`plinth worker`).
        const runtime = new ModuleRuntime(db, entities, marketplace, config, bus);
        dispatcher = new Dispatcher(db, bus, runtime, config, { listenUrl: config.databaseUrl });
        dispatcher.start();
        // Imported here, not at the top: AdminJS takes a second or two to load, which every other command would pay.
        const { createAdmin } = await import('../../admin/index.js');
        state.admin = createAdmin({ db, entities, marketplace, runtime, config });
        state.modules = createModuleRoutes({ db, entities, marketplace, runtime, config });
        const demo = demoPassword(config);
        if (options.init && (await isEmpty(db))) {
          state.seed = 'running';
          console.log('first run: seeding the demo data');
          const report = await seedDemo(db, entities, {
            password: demo.password,
            marketplace,
            runtime,
            config,
            progress: process.stderr.isTTY,
          });
          state.seed = 'done';
          log.info({ report }, 'demo data seeded');
        } else if (options.init) {
          state.seed = 'done';
        }
        const owners = loadDemoData().users.map((u) => u.email);
        console.log(`Demo login: ${owners.join(', ')} — password: ${demo.password}${demo.file ? ` (kept in ${demo.file})` : ''}`);
        console.log(`Ready: ${url}admin`);
      } catch (err) {
        state.startupError = (err as { parent?: Error }).parent?.message ?? (err as Error).message;
        if (state.seed === 'running') state.seed = 'failed';
        log.error({ err }, 'start-up failed');
      }
    });
}
