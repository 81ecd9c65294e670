import type { Command } from 'commander';
import { ModuleRuntime } from '../../gateway/index.js';
import { log } from '../../log/index.js';
import { Dispatcher } from '../../worker/index.js';
import { withPlatform } from '../context.js';

export function workerCommand(program: Command): void {
  program
    .command('worker')
    .description('deliver events to subscribers until stopped (any number, on any machine, over one database)')
    .option('--batch-size <n>', 'events per subscriber per transaction', '500')
    .option('--poll-ms <n>', 'how often to look for work when nothing woke it', '100')
    .action((options: { batchSize: string; pollMs: string }) =>
      withPlatform(async ({ config, db, entities, bus, marketplace }) => {
        const runtime = new ModuleRuntime(db, entities, marketplace, config, bus);
        const dispatcher = new Dispatcher(db, bus, runtime, config, {
          batchSize: Number(options.batchSize),
          pollMs: Number(options.pollMs),
          listenUrl: config.databaseUrl,
        });
        dispatcher.start();
        log.info({ pid: process.pid }, 'worker started');
        console.log(`worker ${process.pid} delivering events`);
        await new Promise<void>((resolve) => {
          process.once('SIGTERM', resolve);
          process.once('SIGINT', resolve);
        });
        await dispatcher.stop();
      }),
    );
}
