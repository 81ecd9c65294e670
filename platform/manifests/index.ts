export type { PluginManifest } from '../../manifests/types/plugin-manifest.js';
export type { LayoutDefinition } from '../../manifests/types/layout.js';
export type { Theme } from '../../manifests/types/theme.js';
export type { EventEnvelope } from '../../manifests/types/event-envelope.js';
export { contractSchema, contractValidator, CONTRACTS, MANIFESTS_DIR, type ContractName } from './contracts.js';
export { ManifestError, SignatureError, type ManifestProblem } from './errors.js';
export { packageFromBytes, packageFromDir, packageFromTarball, sha256, type PluginPackage } from './package.js';
export { jsonDepth, parseManifestText, MAX_JSON_DEPTH, MAX_MANIFEST_BYTES } from './parse.js';
export {
  generateSigningKeys,
  keyFingerprint,
  readSignatureFile,
  signTarball,
  trustedKeys,
  verifyTarball,
  type SignatureFile,
} from './signing.js';
export { contractTypes, pluginTypes } from './types.js';
export {
  modulePrefix,
  SHELL_COLUMNS,
  SHELL_ENTITIES,
  SHELL_EVENTS,
  validateManifest,
  validateManifestText,
  type ValidationContext,
} from './validate.js';
export { DataSchemas, describeErrors, VendorSchemas } from './vendor-schemas.js';
export { rowProblems, type RowSchema } from './row-problems.js';
export { webFormParameter } from './web-form-checks.js';
export { scaffoldFiles, scaffoldPlugin } from './scaffold.js';
export { SHELL_EVENT_SCHEMAS } from './shell-events.js';
