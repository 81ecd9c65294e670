import type { Command } from 'commander';
import { createCommand } from './create.js';
import { listCommand } from './list.js';
import { removeCommand } from './remove.js';
import { rotateSecretCommand } from './rotate-secret.js';
import { updateCommand } from './update.js';

export function webhookCommand(program: Command): void {
  const webhook = program.command('webhook').description("manage a workspace's outbound webhooks");
  for (const register of [createCommand, listCommand, updateCommand, removeCommand, rotateSecretCommand]) register(webhook);
}
