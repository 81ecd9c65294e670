import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import {
  generateSigningKeys,
  packageFromDir,
  packageFromTarball,
  parseManifestText,
  pluginTypes,
  readSignatureFile,
  scaffoldPlugin,
  signTarball,
  type PluginManifest,
  type PluginPackage,
  type SignatureFile,
} from '../../manifests/index.js';
import type { Actor } from '../../registry/index.js';
import { RouteSecrets } from '../../routes/index.js';
import { withPlatform } from '../context.js';

const CLI_ACTOR: Actor = { type: 'system', id: 'cli' };

const isDir = (target: string): boolean => fs.existsSync(target) && fs.statSync(target).isDirectory();

/** A plugin folder or a packed tarball. */
async function loadPackage(target: string): Promise<PluginPackage> {
  return isDir(target) ? packageFromDir(target) : packageFromTarball(target);
}

/** The signature given, or the one beside a tarball. */
function signatureFor(target: string, given?: string): SignatureFile | undefined {
  if (given) return readSignatureFile(given);
  return !isDir(target) && fs.existsSync(`${target}.sig`) ? readSignatureFile(`${target}.sig`) : undefined;
}

const ALLOW_DOWNGRADE = [
  '--allow-downgrade',
  'go back to a version older than the installed one (or than one installed before); recorded as plinth.module_downgraded',
] as const;

/** What an operator must know of a module's reach before it runs anywhere. */
const reach = (manifest: PluginManifest): string =>
  manifest.network ? `\n  its code may reach these hosts over HTTPS: ${manifest.network.hosts.join(', ')}` : '';

function parseSpec(spec: string): { id: string; version?: string } {
  const [id = '', version] = spec.split('@');
  return { id, version };
}

export function pluginCommand(program: Command): void {
  const plugin = program
    .command('plugin')
    .description('write, validate, pack, sign and publish plugins; install and enable modules');

  plugin
    .command('init <id>')
    .description('scaffold a working plugin (manifest, table, event, handler, migration, test) in ./<id> or --dir')
    .option('--dir <path>', 'where to write it')
    .action((id: string, options: { dir?: string }) => {
      const dir = path.resolve(options.dir ?? id);
      const files = scaffoldPlugin(id, dir);
      console.log(`created ${id} in ${dir}:\n${files.map((f) => `  ${f}`).join('\n')}`);
    });

  plugin
    .command('validate <dir|tarball>')
    .description('check a plugin against the manifest schema, the registry and this Plinth; lists every problem')
    .action((target: string) =>
      withPlatform(async ({ marketplace }) => {
        const manifest = await marketplace.registry.validate(await loadPackage(target), target);
        console.log(`${manifest.id}@${manifest.version} is valid`);
      }),
    );

  plugin
    .command('pack <dir>')
    .description('pack a plugin folder into a deterministic tarball and print its SHA-256')
    .option('--out <file>', 'tarball to write (default: <id>-<version>.tgz in the current directory)')
    .action(async (dir: string, options: { out?: string }) => {
      const pkg = packageFromDir(dir);
      const manifest = parseManifestText(pkg.files.get('manifest.json')!, `${dir}/manifest.json`) as PluginManifest;
      const out = path.resolve(options.out ?? `${manifest.id}-${manifest.version}.tgz`);
      fs.writeFileSync(out, pkg.tarball);
      console.log(`${out}\nsha256 ${pkg.sha256}`);
    });

  plugin
    .command('keygen <name>')
    .description('make an ed25519 key pair: <name>.key (private, keep it) and <name>.pem (public, for PLINTH_TRUSTED_KEYS)')
    .action((name: string) => {
      const { privateKey, publicKey } = generateSigningKeys();
      fs.writeFileSync(`${name}.key`, privateKey, { mode: 0o600, flag: 'wx' });
      fs.writeFileSync(`${name}.pem`, publicKey, { flag: 'wx' });
      console.log(`${name}.key (private)\n${name}.pem (public)`);
    });

  plugin
    .command('sign <tarball>')
    .description('sign a packed plugin with an ed25519 private key; writes <tarball>.sig')
    .requiredOption('--key <pem>', 'private key file')
    .action((tarball: string, options: { key: string }) => {
      const signature = signTarball(fs.readFileSync(tarball), fs.readFileSync(options.key, 'utf8'));
      fs.writeFileSync(`${tarball}.sig`, `${JSON.stringify(signature, null, 2)}\n`);
      console.log(`${tarball}.sig (sha256 ${signature.sha256})`);
    });

  plugin
    .command('publish <dir|tarball>')
    .description(
      'add a plugin version to the registry (a tarball brings <tarball>.sig along); an id stays with the key that first published it',
    )
    .option('--signature <file>', 'signature file, when not beside the tarball')
    .action((target: string, options: { signature?: string }) =>
      withPlatform(async ({ marketplace }) => {
        const publish = {
          source: 'published' as const,
          label: target,
          signature: signatureFor(target, options.signature),
          actor: CLI_ACTOR,
        };
        const { row, outcome } = isDir(target)
          ? await marketplace.registry.publish(packageFromDir(target), publish)
          : await marketplace.registry.publishTarball(fs.readFileSync(target), publish);
        console.log(
          `${row.moduleId}@${row.version}: ${outcome} (sha256 ${row.packageSha256}${row.signingKey ? `, signed by ${row.signingKey}` : ', unsigned'})`,
        );
      }),
    );

  plugin
    .command('types <dir>')
    .description("generate TypeScript types of a plugin's payloads, settings and gateways into <dir>/plinth-types.ts")
    .action(async (dir: string) => {
      const manifest = parseManifestText(
        fs.readFileSync(path.join(dir, 'manifest.json')),
        `${dir}/manifest.json`,
      ) as PluginManifest;
      const out = path.join(dir, 'plinth-types.ts');
      fs.writeFileSync(out, await pluginTypes(manifest));
      console.log(out);
    });

  plugin
    .command('install <id[@version]>')
    .description('install a module platform-wide: schema, roles, tables, migrations (all or nothing)')
    .option(...ALLOW_DOWNGRADE)
    .action((spec: string, options: { allowDowngrade?: boolean }) =>
      withPlatform(async ({ marketplace }) => {
        const { id, version } = parseSpec(spec);
        const row = await marketplace.lifecycle.install(id, version, CLI_ACTOR, { allowDowngrade: options.allowDowngrade });
        console.log(
          `installed ${row.moduleId}@${row.version}${row.downgradedFrom ? ` (downgraded from ${row.downgradedFrom})` : ''}` +
            reach(row.manifest),
        );
      }),
    );

  plugin
    .command('enable <id>')
    .description('enable an installed module for a workspace')
    .requiredOption('--workspace <slug>', 'the workspace')
    .option('--settings <file>', 'JSON settings, checked against the module settings schema')
    .action((id: string, options: { workspace: string; settings?: string }) =>
      withPlatform(async ({ marketplace }) => {
        const settings = options.settings
          ? (parseManifestText(fs.readFileSync(options.settings), options.settings) as object)
          : undefined;
        await marketplace.lifecycle.enable(id, options.workspace, settings, CLI_ACTOR);
        console.log(`enabled ${id} in ${options.workspace}`);
      }),
    );

  plugin
    .command('secret <id>')
    .description("print a workspace's secret for signing requests to the module's signed routes (issued on first ask)")
    .requiredOption('--workspace <slug>', 'the workspace')
    .option('--rotate', 'replace it: requests signed with the old one are refused from now on')
    .action((id: string, options: { workspace: string; rotate?: boolean }) =>
      withPlatform(async ({ db, entities, marketplace }) => {
        const secrets = new RouteSecrets(db, entities, marketplace.registry);
        console.log(await secrets.issue(id, options.workspace, { rotate: options.rotate }));
      }),
    );

  plugin
    .command('disable <id>')
    .description('disable a module for a workspace (its data stays)')
    .requiredOption('--workspace <slug>', 'the workspace')
    .action((id: string, options: { workspace: string }) =>
      withPlatform(async ({ marketplace }) => {
        await marketplace.lifecycle.disable(id, options.workspace, CLI_ACTOR);
        console.log(`disabled ${id} in ${options.workspace}`);
      }),
    );

  plugin
    .command('upgrade <id> [version]')
    .description(
      'move an installed module to a newer published version (forward migrations; downgrades refused unless --allow-downgrade)',
    )
    .option(...ALLOW_DOWNGRADE)
    .action((id: string, version: string | undefined, options: { allowDowngrade?: boolean }) =>
      withPlatform(async ({ marketplace }) => {
        const row = await marketplace.lifecycle.upgrade(id, version, CLI_ACTOR, { allowDowngrade: options.allowDowngrade });
        console.log(
          (row.downgradedFrom
            ? `downgraded ${id} from ${row.downgradedFrom} to ${row.version}`
            : `upgraded ${id} to ${row.version}`) + reach(row.manifest),
        );
      }),
    );

  plugin
    .command('uninstall <id>')
    .description('uninstall a module; its data stays unless --purge')
    .option('--purge', 'also drop its schema, tables and roles')
    .action((id: string, options: { purge?: boolean }) =>
      withPlatform(async ({ marketplace }) => {
        await marketplace.lifecycle.uninstall(id, options.purge ?? false, CLI_ACTOR);
        console.log(`uninstalled ${id}${options.purge ? ' and dropped its data' : ' (data kept)'}`);
      }),
    );

  plugin
    .command('list')
    .description('the registry: every module version, its source, signature and status')
    .option('--workspace <slug>', 'also show which modules are enabled in this workspace')
    .option('--json', 'print JSON')
    .action((options: { workspace?: string; json?: boolean }) =>
      withPlatform(async ({ entities, marketplace }) => {
        const rows = await marketplace.registry.rows();
        const workspace = options.workspace ? await entities.workspaces.bySlug(options.workspace) : undefined;
        const installations = workspace ? await marketplace.lifecycle.installations(workspace.id) : [];
        const listed = rows.map((r) => ({
          id: r.moduleId,
          version: r.version,
          name: r.manifest.name,
          vendor: r.manifest.vendor.name,
          source: r.source,
          status: r.status,
          signed: r.signingKey,
          ...(workspace && {
            enabled: installations.some((i) => i.moduleId === r.moduleId && i.registryId === r.id && i.enabled),
          }),
        }));
        if (options.json) {
          console.log(JSON.stringify(listed, null, 2));
          return;
        }
        if (listed.length === 0) console.log('the registry is empty');
        for (const r of listed) {
          console.log(
            `${`${r.id}@${r.version}`.padEnd(32)} ${r.status.padEnd(11)} ${r.source.padEnd(9)} ${r.signed ? 'signed' : 'unsigned'}` +
              `${r.enabled === undefined ? '' : r.enabled ? `  enabled in ${options.workspace}` : ''}`,
          );
        }
      }),
    );
}
