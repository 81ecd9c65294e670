/** The form parser AdminJS's Express routes expect (`req.fields`, `req.files`); the package ships no types. */
declare module 'express-formidable' {
  import type { RequestHandler } from 'express';
  export default function parse(options?: Record<string, unknown>): RequestHandler;
}
