import { ManifestError } from './errors.js';

export const MAX_MANIFEST_BYTES = 256 * 1024;
export const MAX_JSON_DEPTH = 64;

/**
 * The nesting depth of a JSON text, measured without parsing it, so that a hostile document
 * is refused plainly instead of overflowing a recursive parser or validator.
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) max = Math.max(max, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/** Parses a manifest's text after checking its size and depth; refuses what is not a JSON object. */
export function parseManifestText(raw: string | Buffer, source: string): unknown {
  const bytes = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length;
  if (bytes > MAX_MANIFEST_BYTES) {
    throw new ManifestError(source, [
      { path: '', message: `is ${bytes} bytes; a manifest may have at most ${MAX_MANIFEST_BYTES}` },
    ]);
  }
  const text = raw.toString();
  const depth = jsonDepth(text);
  if (depth > MAX_JSON_DEPTH) {
    throw new ManifestError(source, [{ path: '', message: `nests ${depth} levels deep; at most ${MAX_JSON_DEPTH} are allowed` }]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ManifestError(source, [{ path: '', message: `is not JSON: ${(err as Error).message}` }]);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ManifestError(source, [{ path: '', message: 'must be a JSON object' }]);
  }
  return value;
}
