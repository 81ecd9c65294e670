import { pino } from 'pino';

/** The platform's logger: JSON lines on stderr, so command output on stdout stays clean. */
export const log = pino({ level: process.env.LOG_LEVEL || 'info', base: undefined }, pino.destination(2));
