import { pino } from 'pino';

/**
 * An error as logged. A database error's statement is left out: statements travel with their
 * values inlined (session ids, emails, names), which have no place in a log; the message, code
 * and stack say what failed.
 */
export function loggedError(err: Error): Record<string, unknown> {
  const out = pino.stdSerializers.err(err) as Record<string, unknown>;
  for (const e of [out, out.parent, out.original] as (Record<string, unknown> | undefined)[])
    if (e && typeof e === 'object') {
      delete e.sql;
      delete e.parameters;
    }
  return out;
}

/** The platform's logger: JSON lines on stderr, so command output on stdout stays clean. */
export const log = pino(
  { level: process.env.LOG_LEVEL || 'info', base: undefined, serializers: { err: loggedError } },
  pino.destination(2),
);
