import { PlinthError } from '../errors/index.js';

/** A shipped record file that is not valid JSON or breaks its schema: its path, and every problem's JSON path. */
export class RecordFileError extends PlinthError {
  constructor(
    readonly file: string,
    readonly problems: { path: string; message: string }[],
  ) {
    super(
      'record_file_invalid',
      `${file} is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  ${p.path || '/'}: ${p.message}`).join('\n'),
    );
  }
}
