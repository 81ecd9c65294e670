import { ErrorSchemaBuilder, type ErrorSchema } from '@rjsf/utils';

/**
 * The server's refusal of settings as errors beside the fields they are about. It names each
 * problem by its JSON path under `settings`, `; `-separated:
 * `settings/practiceAreas/0/name: must NOT have fewer than 1 characters; settings: must have required property 'x'`.
 * A missing property's problem is put beside that property. Null when the refusal names no path
 * (a missing subscription, say): the message beside the Save button says it all.
 */
export function serverErrors(message: string): ErrorSchema | null {
  const builder = new ErrorSchemaBuilder();
  let placed = false;
  for (const problem of message.split('; ')) {
    const match = /^settings((?:\/[^/:]*)*): (.*)$/s.exec(problem);
    if (!match) continue;
    const [, pointer = '', text = ''] = match; // both groups take part in every match
    const path = pointer
      .split('/')
      .slice(1)
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    const missing = /^must have required property '(.*)'$/.exec(text)?.[1];
    builder.addErrors(missing !== undefined ? 'is required' : text, missing !== undefined ? [...path, missing] : path);
    placed = true;
  }
  return placed ? builder.ErrorSchema : null;
}
