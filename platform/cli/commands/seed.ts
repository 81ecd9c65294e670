import type { Command } from 'commander';
import { migrateUp } from '../../db/index.js';
import { ModuleRuntime } from '../../gateway/index.js';
import { demoPassword, seedDemo } from '../../seed/index.js';
import { withPlatform } from '../context.js';

export function seedCommand(program: Command): void {
  program
    .command('seed')
    .description(
      'write the demo data (agency, two clients, owners, billing, modules, 10,000 contacts); a rerun adds only what is missing',
    )
    .action(() =>
      withPlatform(async ({ config, db, entities, bus, marketplace }) => {
        await migrateUp(db);
        const { password, file } = demoPassword(config);
        const runtime = new ModuleRuntime(db, entities, marketplace, config, bus);
        const report = await seedDemo(db, entities, { password, marketplace, runtime, config, progress: process.stderr.isTTY });
        console.log(
          Object.entries(report)
            .map(([what, n]) => `${what}: ${n} added`)
            .join('\n'),
        );
        console.log(`demo password: ${file ? `in ${file}` : 'from PLINTH_DEMO_PASSWORD'}`);
      }),
    );
}
