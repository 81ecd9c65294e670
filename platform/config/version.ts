import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The running Plinth's version (package.json), against which plugin `engine` ranges are checked. */
export const PLINTH_VERSION: string = (
  JSON.parse(fs.readFileSync(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8')) as { version: string }
).version;
