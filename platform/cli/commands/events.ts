import type { Command } from 'commander';
import { EventOperations, EventRetention, type StoredEvent } from '../../events/index.js';
import { withPlatform } from '../context.js';

interface Filter {
  workspace?: string;
  contact?: string;
  name?: string;
  limit: string;
}

const line = (e: StoredEvent & { seq: string }): string =>
  `${e.seq.padStart(8)}  ${new Date(e.occurredAt).toISOString()}  ${e.name.padEnd(32)} ${e.producer.padEnd(14)} ${JSON.stringify(e.payload)}`;

export function eventsCommand(program: Command): void {
  const events = program.command('events').description('read the event log, replay deliveries, see lag');
  const filters = (c: Command): Command =>
    c
      .option('--workspace <slug>', 'only this workspace')
      .option('--contact <id>', 'only events about this contact')
      .option('--name <name>', 'only events of this name')
      .option('--limit <n>', 'how many', '50');

  filters(events.command('list').description('the newest events, newest last')).action((o: Filter) =>
    withPlatform(async ({ db }) => {
      const rows = await new EventOperations(db).list({
        workspace: o.workspace,
        contactId: o.contact,
        name: o.name,
        limit: Number(o.limit),
      });
      for (const e of rows.reverse()) console.log(line(e));
    }),
  );

  filters(events.command('tail').description('print events as they are written, until stopped')).action((o: Filter) =>
    withPlatform(async ({ db }) => {
      const ops = new EventOperations(db);
      let after: string | undefined;
      for (let stop = false; !stop;) {
        const rows = (
          await ops.list({ workspace: o.workspace, contactId: o.contact, name: o.name, limit: Number(o.limit), after })
        ).reverse();
        for (const e of rows) console.log(line(e));
        const last = rows.at(-1);
        if (last) after = last.seq;
        else after ??= '0';
        stop = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), 500);
          process.once('SIGINT', () => {
            clearTimeout(timer);
            resolve(true);
          });
        });
      }
    }),
  );

  events
    .command('replay [delivery]')
    .description('send a dead delivery (<event id>:<module>) back to be retried, or every dead one with --dead')
    .option('--dead', 'every dead delivery')
    .option('--module <id>', 'with --dead: only this module')
    .action((delivery: string | undefined, o: { dead?: boolean; module?: string }) =>
      withPlatform(async ({ db }) => {
        const ops = new EventOperations(db);
        if (o.dead) console.log(`${await ops.replayDead(o.module)} dead deliveries sent back`);
        else if (delivery) {
          await ops.replay(delivery);
          console.log(`${delivery} sent back`);
        } else throw new Error('give a delivery id or --dead');
      }),
    );

  events
    .command('metrics')
    .description('per subscriber and workspace: lag, delivered, failed, dead')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) =>
      withPlatform(async ({ db }) => {
        const rows = await new EventOperations(db).metrics();
        if (o.json) console.log(JSON.stringify(rows, null, 2));
        else
          for (const r of rows)
            console.log(
              `${r.subscriber.padEnd(20)} ${r.workspace.padEnd(20)} lag ${r.lag}  delivered ${r.delivered}  failed ${r.failed}  dead ${r.dead}`,
            );
      }),
    );

  events
    .command('prune')
    .description(
      'make the coming event partitions; with PLINTH_EVENT_RETENTION set, drop the periods every subscriber has passed',
    )
    .action(() =>
      withPlatform(async ({ config, db }) => {
        const retention = EventRetention.fromConfig(db, config);
        for (const p of await retention.ensurePartitions()) console.log(`created ${p}`);
        if (config.eventRetentionMs === null) {
          console.log('retention is off (PLINTH_EVENT_RETENTION unset): nothing dropped');
          return;
        }
        const report = await retention.prune();
        for (const p of report.dropped) console.log(`dropped ${p}`);
        for (const k of report.kept) console.log(`kept ${k.partition}: ${k.reason}`);
        if (report.dropped.length + report.kept.length === 0) console.log('no period has expired yet');
      }),
    );
}
