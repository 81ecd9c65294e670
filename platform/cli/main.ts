#!/usr/bin/env -S node --no-node-snapshot
import { Command } from 'commander';
import { doctorCommand } from './commands/doctor.js';
import { eventsCommand } from './commands/events.js';
import { importCommand } from './commands/import/index.js';
import { migrateCommand } from './commands/migrate.js';
import { pluginCommand } from './commands/plugin/index.js';
import { seedCommand } from './commands/seed.js';
import { serveCommand } from './commands/serve.js';
import { tokenCommand } from './commands/token/index.js';
import { apiCommand } from './commands/api/index.js';
import { userCommand } from './commands/user.js';
import { webhookCommand } from './commands/webhook/index.js';
import { workerCommand } from './commands/worker.js';
import { workspaceCommand } from './commands/workspace.js';
import { reportFailure } from './context.js';

const program = new Command('plinth').description('Plinth: a low-code admin platform with a plugin marketplace');
for (const register of [
  migrateCommand,
  seedCommand,
  workspaceCommand,
  userCommand,
  serveCommand,
  workerCommand,
  eventsCommand,
  pluginCommand,
  tokenCommand,
  apiCommand,
  webhookCommand,
  importCommand,
  doctorCommand,
]) {
  register(program);
}
program.parseAsync(process.argv).catch(reportFailure);
