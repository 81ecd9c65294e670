import { PlinthError } from '../errors/index.js';

/** One thing wrong with a manifest: where (a JSON Pointer into it, or a file) and what. */
export interface ManifestProblem {
  path: string;
  message: string;
}

/** A manifest refused: lists every problem found, each with its path. */
export class ManifestError extends PlinthError {
  constructor(
    readonly source: string,
    readonly problems: ManifestProblem[],
  ) {
    super(
      'invalid_manifest',
      `${source} is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems
        .map((p) => `  ${p.path || '/'}: ${p.message}`)
        .join('\n')}`,
      problems[0]?.path,
    );
  }
}

/** A package's signature refused: tampered content, an untrusted key, or no signature where one is required. */
export class SignatureError extends PlinthError {
  constructor(source: string, message: string) {
    super('bad_signature', `${source}: ${message}`, source);
  }
}
