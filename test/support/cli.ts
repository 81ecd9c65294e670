import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PlinthConfig } from '../../platform/config/index.js';

export const CLI = fileURLToPath(new URL('../../platform/cli/main.js', import.meta.url));

/** The environment that points a `plinth` process at the same database as `config`. */
export function envFor(config: PlinthConfig, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PLINTH_DATA_DIR: config.dataDir,
    DATABASE_URL: config.databaseUrl ?? '',
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

/** Runs the `plinth` CLI as a person would, and collects what it printed. */
export function plinth(
  args: string[],
  env: NodeJS.ProcessEnv,
  stdin?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-node-snapshot', CLI, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}
