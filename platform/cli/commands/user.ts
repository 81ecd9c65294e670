import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import type { MembershipRole } from '../../entities/index.js';
import { readSecretFromStdin, withPlatform } from '../context.js';

async function passwordFrom(options: { passwordStdin?: boolean }): Promise<{ password: string; generated: boolean }> {
  if (options.passwordStdin) return { password: await readSecretFromStdin(), generated: false };
  return { password: randomBytes(12).toString('base64url'), generated: true };
}

export function userCommand(program: Command): void {
  const user = program.command('user').description('manage users and their memberships');
  user
    .command('create <email>')
    .description('create a user; without --password-stdin a password is generated and printed once')
    .option('--name <name>', 'display name')
    .option('--password-stdin', 'read the password from standard input')
    .action((email: string, options: { name?: string; passwordStdin?: boolean }) =>
      withPlatform(async ({ entities }) => {
        const { password, generated } = await passwordFrom(options);
        const row = await entities.users.create({ email, name: options.name, password });
        console.log(`created user ${row.email} (${row.id})${generated ? `\npassword: ${password}` : ''}`);
      }),
    );
  user
    .command('passwd <email>')
    .description("set a user's password; without --password-stdin a new one is generated and printed once")
    .option('--password-stdin', 'read the password from standard input')
    .action((email: string, options: { passwordStdin?: boolean }) =>
      withPlatform(async ({ entities }) => {
        const { password, generated } = await passwordFrom(options);
        await entities.users.setPassword(email, password);
        console.log(`password of ${email} changed${generated ? `\npassword: ${password}` : ''}`);
      }),
    );
  user
    .command('grant <email> <workspace> <role>')
    .description('give a user a role (owner, admin or member) in a workspace')
    .action((email: string, workspace: string, role: string) =>
      withPlatform(async ({ entities }) => {
        await entities.users.grant({ email, workspace, role: role as MembershipRole });
        console.log(`${email} is ${role} of ${workspace}`);
      }),
    );
}
