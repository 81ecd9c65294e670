import type { Command } from 'commander';
import { createCommand } from './create.js';
import { listCommand } from './list.js';
import { revokeCommand } from './revoke.js';

export function tokenCommand(program: Command): void {
  const token = program.command('token').description("manage a workspace's API tokens");
  for (const register of [createCommand, listCommand, revokeCommand]) register(token);
}
