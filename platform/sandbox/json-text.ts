/**
 * Arguments already written as JSON (an array's text), handed to the sandbox as they are: a
 * delivery batch's events come from the database as JSON text, and parsing them only to write
 * them again would cost the platform more than the handlers do.
 */
export class JsonText {
  constructor(readonly text: string) {}
}

/** The text of `[[entry, args], …]` the sandbox reads, with JsonText arguments in place. */
export function entriesText(entries: [string, unknown[] | JsonText][]): string {
  return `[${entries.map(([entry, args]) => `[${JSON.stringify(entry)},${args instanceof JsonText ? args.text : JSON.stringify(args)}]`).join(',')}]`;
}
