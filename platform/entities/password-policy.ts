import type { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { ValidationError } from '../errors/index.js';

const MIN_CHARACTERS = 12;
/** bcrypt reads no further: the rest of a longer password would be ignored, silently. */
const MAX_BYTES = 72;
/** zxcvbn's "safely unguessable" (about 10^8 guesses): out of reach of guessing through the sign-in form. */
const MIN_SCORE = 3;

let estimator: Promise<ZxcvbnFactory> | undefined;

/** Built on first use: its dictionaries cost some 200 ms and 20 MB that a process setting no password should not pay. */
function zxcvbn(): Promise<ZxcvbnFactory> {
  estimator ??= Promise.all([
    import('@zxcvbn-ts/core'),
    import('@zxcvbn-ts/language-common'),
    import('@zxcvbn-ts/language-en'),
  ]).then(
    ([{ ZxcvbnFactory }, common, en]) =>
      new ZxcvbnFactory({
        dictionary: { ...common.dictionary, ...en.dictionary },
        graphs: common.adjacencyGraphs,
        translations: en.translations,
      }),
  );
  return estimator;
}

/**
 * Refuses, saying why, a password that is blank, too short, longer than bcrypt reads, or easy to
 * guess for someone who knows `userInputs` (the user's email and the like).
 */
export async function checkPasswordStrength(password: string, userInputs: string[]): Promise<void> {
  if (!password.trim()) throw new ValidationError('password', 'is blank (only whitespace)');
  const characters = [...password].length;
  if (characters < MIN_CHARACTERS) {
    throw new ValidationError('password', `too short: needs at least ${MIN_CHARACTERS} characters (has ${characters})`);
  }
  if (Buffer.byteLength(password) > MAX_BYTES) {
    throw new ValidationError('password', `too long: at most ${MAX_BYTES} bytes (bcrypt reads no further)`);
  }
  const { score, feedback } = (await zxcvbn()).check(password, userInputs);
  if (score >= MIN_SCORE) return;
  const warning = feedback.warning ? ` (${feedback.warning.replace(/\.$/, '')})` : '';
  throw new ValidationError('password', [`too easy to guess${warning}.`, ...feedback.suggestions].join(' '));
}
