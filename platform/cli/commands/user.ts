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
  user
    .command('revoke <email>')
    .description("take a user's role in a workspace away; their sessions there end on their next request")
    .requiredOption('--workspace <slug>', 'the workspace')
    .action((email: string, options: { workspace: string }) =>
      withPlatform(async ({ entities }) => {
        await entities.users.revoke({ email, workspace: options.workspace });
        console.log(`${email} is no longer a member of ${options.workspace}`);
      }),
    );
  user
    .command('disable <email>')
    .description('stop a user signing in, and end every session they have')
    .action((email: string) =>
      withPlatform(async ({ entities }) => {
        await entities.users.disable(email);
        console.log(`${email} is disabled; their sessions have ended`);
      }),
    );
  user
    .command('enable <email>')
    .description('let a disabled user sign in again')
    .action((email: string) =>
      withPlatform(async ({ entities }) => {
        await entities.users.enable(email);
        console.log(`${email} may sign in again`);
      }),
    );
  user
    .command('reset-2fa <email>')
    .description("turn a user's two-factor sign-in off (a lost phone) and end their sessions; they set it up again")
    .action((email: string) =>
      withPlatform(async ({ entities }) => {
        const row = await entities.users.byEmail(email);
        await entities.twoFactor.reset(row.id);
        await entities.users.endSessions(email);
        console.log(`two-factor sign-in of ${email} is off; their sessions have ended`);
      }),
    );
  user
    .command('sessions <email>')
    .description("list a user's admin sessions, or end them all with --end")
    .option('--end', 'end every session of the user')
    .action((email: string, options: { end?: boolean }) =>
      withPlatform(async ({ entities }) => {
        if (options.end) {
          console.log(`ended ${await entities.users.endSessions(email)} session(s) of ${email}`);
          return;
        }
        const sessions = await entities.users.sessions(email);
        if (sessions.length === 0) console.log(`${email} has no session`);
        for (const s of sessions) console.log(`${s.id}…  ${s.workspace.padEnd(24)} until ${new Date(s.expiresAt).toISOString()}`);
      }),
    );
}
