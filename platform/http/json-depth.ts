import { ValidationError } from '../errors/index.js';

/**
 * The deepest nesting of arrays and objects a JSON body from outside may have. Parsing a deeper
 * one is cheap, but what walks it afterwards (schema checks, AdminJS's flattening, the sandbox's
 * copy, PostgreSQL's jsonb) recurses once per level and fails with a stack overflow.
 */
export const MAX_JSON_DEPTH = 32;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const [OPEN_ARRAY, OPEN_OBJECT, CLOSE_ARRAY, CLOSE_OBJECT] = [0x5b, 0x7b, 0x5d, 0x7d];

/**
 * Whether JSON text nests arrays and objects deeper than `limit`, read from its bytes before
 * anything is parsed: brackets inside strings do not count. (The bytes of these characters never
 * occur inside a multi-byte UTF-8 character, so no decoding is needed.) Malformed text is left
 * for the parser to refuse.
 */
export function nestedDeeperThan(raw: Buffer | string, limit = MAX_JSON_DEPTH): boolean {
  const bytes = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      if (++depth > limit) return true;
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) depth--;
  }
  return false;
}

/**
 * body-parser's `verify`: a body nested too deep is refused before it is parsed. Only UTF-8 is
 * read (what RFC 8259 asks of JSON between systems): other encodings would hide brackets from the
 * byte scan.
 */
export function refuseDeepJson(_req: unknown, _res: unknown, raw: Buffer, encoding: string): void {
  if (!/^utf-?8$/i.test(encoding)) throw new ValidationError('Content-Type', `JSON is read as UTF-8 only, not ${encoding}`);
  if (nestedDeeperThan(raw))
    throw new ValidationError('body', `arrays and objects are nested deeper than ${MAX_JSON_DEPTH} levels`);
}
