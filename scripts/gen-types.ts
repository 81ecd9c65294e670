/** `npm run gen:types`: writes manifests/types/*.ts from the schemas beside them. */
import fs from 'node:fs';
import { MANIFESTS_DIR } from '../platform/manifests/contracts.js';
import { contractTypes } from '../platform/manifests/types.js';

fs.mkdirSync(`${MANIFESTS_DIR}types`, { recursive: true });
for (const [file, ts] of await contractTypes()) {
  fs.writeFileSync(`${MANIFESTS_DIR}types/${file}`, ts);
  console.log(`manifests/types/${file}`);
}
