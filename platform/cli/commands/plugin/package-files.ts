import fs from 'node:fs';
import {
  packageFromDir,
  packageFromTarball,
  readSignatureFile,
  type PluginPackage,
  type SignatureFile,
} from '../../../manifests/index.js';

export const isDir = (target: string): boolean => fs.existsSync(target) && fs.statSync(target).isDirectory();

/** A plugin folder or a packed tarball. */
export async function loadPackage(target: string): Promise<PluginPackage> {
  return isDir(target) ? packageFromDir(target) : packageFromTarball(target);
}

/** The signature given, or the one beside a tarball. */
export function signatureFor(target: string, given?: string): SignatureFile | undefined {
  if (given) return readSignatureFile(given);
  return !isDir(target) && fs.existsSync(`${target}.sig`) ? readSignatureFile(`${target}.sig`) : undefined;
}
