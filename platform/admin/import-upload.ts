import type { Request, RequestHandler } from 'express';
import parseForm from 'express-formidable';
import { ValidationError } from '../errors/index.js';

/** The largest CSV file the admin takes: a larger one is imported with `plinth import`. */
export const UPLOAD_LIMIT = 10 * 1024 * 1024;
export const UPLOAD_LIMIT_TEXT = '10 MB';

/** A file sent with a form: its name as the browser gave it, and its bytes. */
export interface Upload {
  name: string;
  bytes: Buffer;
}

const uploads = new WeakMap<Request, Upload>();

/** formidable's form object, as much of it as a part handler uses. */
interface Form {
  _flushing: number;
  handlePart(part: unknown): void;
  _error(err: unknown): void;
  _maybeEnd(): void;
  emit(event: string, ...args: unknown[]): void;
}
interface Part {
  name: string;
  filename?: string;
  on(event: 'data', listener: (chunk: Buffer) => void): void;
  on(event: 'end', listener: () => void): void;
}

/**
 * A file part is kept in memory, never on disk (formidable's own handler writes a temporary file
 * nothing removes), and refused as soon as it passes the limit. Only the field `file` may be one.
 */
function onPart(this: Form, part: Part): void {
  if (part.filename === undefined) return this.handlePart(part);
  if (part.name !== 'file') return this._error(new ValidationError(part.name || 'body', 'is not a field that takes a file'));
  this._flushing++;
  const chunks: Buffer[] = [];
  let size = 0;
  part.on('data', (chunk) => {
    size += chunk.length;
    if (size > UPLOAD_LIMIT)
      return this._error(
        new ValidationError('file', `is larger than ${UPLOAD_LIMIT_TEXT}, the most the admin takes; use plinth import`),
      );
    chunks.push(chunk);
  });
  part.on('end', () => {
    this._flushing--;
    this.emit('upload', { name: part.filename!, bytes: Buffer.concat(chunks) } satisfies Upload);
    this._maybeEnd();
  });
}

/** Parses a multipart form: its fields into `req.fields`, its file into what `uploadOf` returns. */
export const uploadForm: RequestHandler = parseForm({ onPart, maxFields: 50, maxFieldsSize: 64 * 1024 }, [
  { event: 'upload', action: (req, _res, _next, upload) => void uploads.set(req, upload as Upload) },
]);

/** The file a request sent, or a refusal naming the field. */
export function uploadOf(req: Request): Upload {
  const upload = uploads.get(req);
  if (!upload || upload.bytes.length === 0) throw new ValidationError('file', 'choose a CSV file to upload');
  return upload;
}
