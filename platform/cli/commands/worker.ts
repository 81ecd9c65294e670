import type { Command } from 'commander';
import { openPlatform } from '../../composition/index.js';
import { log } from '../../log/index.js';
import { DEFAULT_BATCH_SIZE, DEFAULT_POLL_MS } from '../../worker/index.js';
import { closePlatform, onStopSignals, stopOutcome, stopWithin } from '../shutdown.js';

export function workerCommand(program: Command): void {
  program
    .command('worker')
    .description('deliver events to subscribers until stopped (any number, on any machine, over one database)')
    .option('--batch-size <n>', 'events per subscriber per transaction', String(DEFAULT_BATCH_SIZE))
    .option('--poll-ms <n>', 'how often to look for work when nothing woke it', String(DEFAULT_POLL_MS))
    .action(async (options: { batchSize: string; pollMs: string }) => {
      // Not withPlatform: its closing waits without bound, and a hung delivery holds a pooled connection.
      const platform = await openPlatform();
      const { config, db, bus } = platform;
      const dispatcher = platform.dispatcher({ batchSize: Number(options.batchSize), pollMs: Number(options.pollMs) });
      // The deliveries in flight finish within PLINTH_SHUTDOWN_MS; then the database closes. Set
      // before anything is printed: whoever reads "delivering events" may stop it at once.
      onStopSignals(async (signal) => {
        log.info({ signal, deadlineMs: config.shutdownMs }, 'stopping: finishing deliveries in flight');
        const late = await stopWithin(config.shutdownMs, [
          { name: 'the dispatcher', stop: () => dispatcher.stop(), pending: () => ['a delivery still running'] },
        ]);
        late.push(...(await closePlatform({ db, bus }, late.length > 0)));
        return stopOutcome('plinth worker', config.shutdownMs, late);
      });
      dispatcher.start();
      log.info({ pid: process.pid }, 'worker started');
      console.log(`worker ${process.pid} delivering events`);
    });
}
