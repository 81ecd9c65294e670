import fs from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { SandboxError } from './errors.js';

/** The global the bundle fills with each entry file's default export, by its path in the package. */
export const ENTRIES_GLOBAL = '__plinth_entries';

/**
 * Builds a module's entry files into one self-contained script for its sandbox. Only the
 * package's own files may be imported: a Node built-in, a package from node_modules or a path
 * outside the package's folder fails the build, naming the import, so nothing of the machine
 * (the platform's code, its configuration, its secrets) can be read into a module.
 */
export async function bundleEntries(moduleId: string, root: string, entries: string[]): Promise<string> {
  const realRoot = fs.realpathSync(root);
  const imports = entries.map((e, i) => `import e${i} from ${JSON.stringify(`./${e}`)};`).join('\n');
  const table = entries.map((e, i) => `${JSON.stringify(e)}: e${i}`).join(', ');
  try {
    const built = await esbuild.build({
      stdin: {
        contents: `${imports}\nglobalThis.${ENTRIES_GLOBAL} = { ${table} };\n`,
        resolveDir: realRoot,
        sourcefile: 'plinth-entries.js',
        loader: 'js',
      },
      absWorkingDir: realRoot,
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'neutral',
      target: 'es2022',
      logLevel: 'silent',
      plugins: [ownFilesOnly(realRoot)],
    });
    return built.outputFiles[0]!.text; // one entry point, written to memory: one output file
  } catch (err) {
    const failure = err as { errors?: esbuild.Message[] };
    const first = failure.errors?.[0];
    const where = first?.location ? `${first.location.file}:${first.location.line}: ` : '';
    throw new SandboxError('bundle', moduleId, `its code cannot be loaded: ${where}${first?.text ?? (err as Error).message}`);
  }
}

function ownFilesOnly(root: string): esbuild.Plugin {
  return {
    name: 'plinth-own-files-only',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (!args.path.startsWith('./') && !args.path.startsWith('../')) {
          return { errors: [{ text: `imports "${args.path}": a module may import only its own files` }] };
        }
        const target = path.resolve(args.resolveDir, args.path);
        let real: string;
        try {
          real = fs.realpathSync(target);
        } catch {
          return { errors: [{ text: `imports "${args.path}", which its package does not contain` }] };
        }
        if (real !== root && !real.startsWith(`${root}${path.sep}`)) {
          return { errors: [{ text: `imports "${args.path}", which is outside its package` }] };
        }
        if (!/\.(js|mjs|json)$/.test(real)) {
          return { errors: [{ text: `imports "${args.path}": only .js, .mjs and .json files can be imported` }] };
        }
        return { path: real };
      });
    },
  };
}
