/** The form parser AdminJS's Express routes expect (`req.fields`, `req.files`); the package ships no types. */
declare module 'express-formidable' {
  import type { NextFunction, Request, RequestHandler, Response } from 'express';
  /** A listener of formidable's events (`field`, `fileBegin`): called with the request, then the event's arguments. */
  export interface FormEvent {
    event: string;
    action(req: Request, res: Response, next: NextFunction, ...args: unknown[]): void;
  }
  export default function parse(options?: Record<string, unknown>, events?: FormEvent[]): RequestHandler;
}
