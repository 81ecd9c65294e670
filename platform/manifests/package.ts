import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync, gunzipSync } from 'node:zlib';
import { Header, Parser, type ReadEntry } from 'tar';
import { ManifestError } from './errors.js';

const MAX_FILES = 2000;
const MAX_PACKAGE_BYTES = 20 * 1024 * 1024;
/** Never packed: installs, builds and version control of the vendor's working copy. */
const SKIPPED = new Set(['node_modules', '.git', 'dist']);

/** A plugin package: its files (relative paths, sorted) and the deterministic tarball they make. */
export interface PluginPackage {
  files: Map<string, Buffer>;
  tarball: Buffer;
  sha256: string;
}

export const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

function packageError(source: string, message: string): ManifestError {
  return new ManifestError(source, [{ path: '', message }]);
}

/** Reads a plugin folder into a package. */
export function packageFromDir(dir: string): PluginPackage {
  if (!fs.existsSync(path.join(dir, 'manifest.json'))) throw packageError(dir, 'has no manifest.json');
  const files = new Map<string, Buffer>();
  const walk = (rel: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      if (SKIPPED.has(entry.name) || entry.name.startsWith('.')) continue;
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(relPath);
      else if (entry.isFile()) files.set(relPath, fs.readFileSync(path.join(dir, relPath)));
      if (files.size > MAX_FILES) throw packageError(dir, `holds more than ${MAX_FILES} files`);
    }
  };
  walk('');
  return fromFiles(files, dir);
}

function fromFiles(unsorted: Map<string, Buffer>, source: string): PluginPackage {
  const files = new Map([...unsorted].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const total = [...files.values()].reduce((n, b) => n + b.length, 0);
  if (total > MAX_PACKAGE_BYTES) throw packageError(source, `is ${total} bytes; a package may have at most ${MAX_PACKAGE_BYTES}`);
  const tarball = pack(files);
  return { files, tarball, sha256: sha256(tarball) };
}

/**
 * A tar.gz whose bytes depend on the files' names and contents only: sorted entries, zeroed
 * times, no owners, fixed modes. The same folder packs to the same SHA-256 on any machine.
 */
function pack(files: Map<string, Buffer>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, data] of files) {
    const header = Buffer.alloc(512);
    new Header({
      path: `package/${name}`,
      mode: 0o644,
      uid: 0,
      gid: 0,
      size: data.length,
      mtime: new Date(0),
      type: 'File',
      uname: '',
      gname: '',
    }).encode(header, 0);
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks), { level: 9 });
}

/** Reads a packed plugin; refuses entries that escape the package or are not plain files. */
export async function packageFromTarball(file: string): Promise<PluginPackage> {
  return packageFromBytes(fs.readFileSync(file), file);
}

export async function packageFromBytes(tarball: Buffer, file: string): Promise<PluginPackage> {
  if (tarball.length > MAX_PACKAGE_BYTES)
    throw packageError(file, `is ${tarball.length} bytes; a package may have at most ${MAX_PACKAGE_BYTES}`);
  let raw: Buffer;
  try {
    raw = gunzipSync(tarball, { maxOutputLength: MAX_PACKAGE_BYTES * 2 });
  } catch (err) {
    throw packageError(file, `is not a gzip tarball: ${(err as Error).message}`);
  }
  const files = new Map<string, Buffer>();
  const problems: string[] = [];
  const parser = new Parser({ strict: true });
  parser.on('entry', (entry: ReadEntry) => {
    const name = entry.path.replace(/^package\//, '');
    if (entry.type !== 'File' || name.startsWith('/') || name.split('/').includes('..') || !entry.path.startsWith('package/')) {
      problems.push(`entry "${entry.path}" is not a plain file inside package/`);
      entry.resume();
      return;
    }
    const chunks: Buffer[] = [];
    entry.on('data', (c: Buffer) => chunks.push(c));
    entry.on('end', () => files.set(name, Buffer.concat(chunks)));
  });
  parser.on('warn', (_code: string, message: string) => problems.push(message));
  await new Promise<void>((resolve, reject) => {
    parser.on('end', resolve);
    parser.on('error', reject);
    parser.end(raw);
  }).catch((err: Error) => problems.push(err.message));
  if (problems.length > 0) throw packageError(file, problems.join('; '));
  if (!files.has('manifest.json')) throw packageError(file, 'holds no manifest.json');
  // The hash is of the bytes as received: they are what the vendor signed.
  return { ...fromFiles(files, file), tarball, sha256: sha256(tarball) };
}
