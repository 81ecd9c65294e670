import type { Command } from 'commander';
import { migrateUp } from '../../db/index.js';
import { demoPassword, seedDemo } from '../../seed/index.js';
import { withPlatform } from '../context.js';
import { sendDemoRequests } from '../demo-requests.js';

export function seedCommand(program: Command): void {
  program
    .command('seed')
    .description(
      'write the demo data (agency, two clients, owners, billing, modules, 10,000 contacts); a rerun adds only what is missing',
    )
    .action(() =>
      withPlatform(async (platform) => {
        const { config, db, entities, marketplace, runtime } = platform;
        await migrateUp(db);
        const { password, file } = demoPassword(config);
        const report = await seedDemo(db, entities, {
          password,
          marketplace,
          runtime,
          sendRequests: (sequences) => sendDemoRequests(platform, sequences),
          progress: process.stderr.isTTY,
        });
        console.log(
          Object.entries(report)
            .map(([what, n]) => `${what}: ${n} added`)
            .join('\n'),
        );
        console.log(`demo password: ${file ? `in ${file}` : 'from PLINTH_DEMO_PASSWORD'}`);
      }),
    );
}
