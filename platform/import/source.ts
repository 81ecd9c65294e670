import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { CsvError, parse, type Options } from 'csv-parse';
import { ValidationError } from '../errors/index.js';

/** Where a CSV file comes from: a file on disk (the CLI, an admin upload) or bytes in memory. */
export type ImportSource = { path: string; name?: string } | { buffer: Buffer; name: string };

/** One record of the file after its header: its number (from 1) and its cells by header. */
export interface CsvRecord {
  row: number;
  cells: Record<string, string>;
}

/** What a first reading of the whole file found: enough to refuse it before anything is written. */
export interface CsvFile {
  source: ImportSource;
  name: string;
  sha256: string;
  headers: string[];
  rows: number;
}

const OPTIONS: Options = {
  bom: true,
  // Cells keep their spaces: what a value means is its field's business (an email is trimmed, a name too).
  skip_empty_lines: true,
  relax_column_count: false,
};

function bytes(source: ImportSource): Readable {
  return 'path' in source ? fs.createReadStream(source.path) : Readable.from([source.buffer]);
}

const nameOf = (source: ImportSource): string => source.name ?? ('path' in source ? source.path : 'file');

/** A parse failure in words that name the line: the file is refused as a whole. */
function refusal(name: string, err: unknown): ValidationError {
  if (err instanceof CsvError) {
    const line = (err as CsvError & { lines?: number }).lines;
    return new ValidationError(name, `is not a CSV file we can read${line ? ` (line ${line})` : ''}: ${err.message}`);
  }
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new ValidationError(name, 'no such file');
  return err instanceof ValidationError ? err : new ValidationError(name, (err as Error).message);
}

/**
 * Reads the whole file once: its digest, header and number of records. A file that is not CSV
 * text (binary bytes, text that is not UTF-8, a record with more or fewer cells than the header,
 * an unclosed quote, no header, a header naming a column twice) is refused here, naming the line,
 * before any row is written.
 */
export async function readCsvFile(source: ImportSource): Promise<CsvFile> {
  const name = nameOf(source);
  const hash = createHash('sha256');
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let offset = 0;
  const checked = bytes(source).map((chunk: Buffer) => {
    hash.update(chunk);
    const nul = chunk.indexOf(0);
    if (nul >= 0) throw new ValidationError(name, `is not a CSV file: binary content at byte ${offset + nul}`);
    offset += chunk.length;
    try {
      decoder.decode(chunk, { stream: true });
    } catch {
      throw new ValidationError(name, `is not a CSV file: not UTF-8 text (near byte ${offset})`);
    }
    return chunk;
  });
  let headers: string[] | undefined;
  let rows = 0;
  const parser = parse(OPTIONS);
  // `pipe` passes no error on: the parser is ended with the bytes' refusal, which the loop then throws.
  checked.on('error', (err) => parser.destroy(err));
  try {
    for await (const record of checked.pipe(parser) as AsyncIterable<string[]>) {
      if (headers) rows++;
      else headers = checkHeaders(name, record);
    }
  } catch (err) {
    throw refusal(name, err);
  }
  if (!headers) throw new ValidationError(name, 'is empty: a CSV file to import starts with a header line naming its columns');
  return { source, name, sha256: hash.digest('hex'), headers, rows };
}

function checkHeaders(name: string, header: string[]): string[] {
  const headers = header.map((h) => h.trim());
  headers.forEach((h, i) => {
    if (h === '') throw new ValidationError(`${name}: column ${i + 1}`, 'has no name in the header line');
    if (headers.indexOf(h) !== i) throw new ValidationError(`${name}: column "${h}"`, 'is named twice in the header line');
  });
  return headers;
}

/** The file's records from record `after + 1` on, in order (the file was read whole by `readCsvFile`). */
export async function* csvRecords(file: CsvFile, after = 0): AsyncGenerator<CsvRecord> {
  let row = -1;
  try {
    for await (const record of bytes(file.source).pipe(parse(OPTIONS)) as AsyncIterable<string[]>) {
      row++;
      if (row === 0 || row <= after) continue;
      yield { row, cells: Object.fromEntries(file.headers.map((h, i) => [h, record[i] ?? ''])) };
    }
  } catch (err) {
    throw refusal(file.name, err);
  }
}
