import type { Command } from 'commander';
import { fileCommand } from './file.js';
import { listCommand } from './list.js';
import { outcomesCommand } from './outcomes.js';

export function importCommand(program: Command): void {
  const command = program
    .command('import')
    .description("import contacts or a module table's rows from CSV (plinth import <file> --workspace <slug>)");
  for (const register of [fileCommand, outcomesCommand, listCommand]) register(command);
}
