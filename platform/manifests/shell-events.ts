/** The events the shell itself emits (producer `plinth`), with their payload schemas. */
const moduleStep = (extra: Record<string, object> = {}) => ({
  type: 'object',
  required: ['module'],
  properties: { module: { type: 'string' }, version: { type: 'string' }, ...extra },
});

export const SHELL_EVENT_SCHEMAS: Record<string, object> = {
  'plinth.module_published': moduleStep({ sha256: { type: 'string' }, source: { enum: ['bundled', 'published'] } }),
  'plinth.module_installed': moduleStep(),
  'plinth.module_enabled': moduleStep(),
  'plinth.module_disabled': moduleStep(),
  'plinth.module_upgraded': moduleStep({ from: { type: 'string' }, to: { type: 'string' } }),
  // Going back is never silent: from the installed (or newest ever installed) version, by upgrade or by a new install.
  'plinth.module_downgraded': {
    ...moduleStep({ from: { type: 'string' }, to: { type: 'string' }, via: { enum: ['upgrade', 'install'] } }),
    required: ['module', 'from', 'to', 'via'],
  },
  'plinth.module_uninstalled': moduleStep({ purged: { type: 'boolean' } }),
  // One contact merged into another by an admin (decision 0027): recorded on the survivor's timeline.
  'plinth.contacts_merged': {
    type: 'object',
    required: ['survivorId', 'mergedId', 'merged', 'moved', 'dropped', 'events'],
    properties: {
      survivorId: { type: 'string', format: 'uuid' },
      mergedId: { type: 'string', format: 'uuid' },
      merged: { type: 'object', description: 'The name, emails and phones of the contact merged away.' },
      candidate: { type: 'object', description: 'The merge candidate that paired the two, when there was one.' },
      moved: { type: 'array', items: { type: 'object' } },
      dropped: { type: 'array', items: { type: 'object' } },
      events: { type: 'integer', minimum: 0 },
    },
  },
  // A webhook switched off after too many dead deliveries in a row (decision 0035): what the admin's notice reads.
  'plinth.webhook_disabled': {
    type: 'object',
    required: ['webhook', 'url', 'deadInARow', 'reason'],
    properties: {
      webhook: { type: 'string', format: 'uuid' },
      url: { type: 'string' },
      deadInARow: { type: 'integer', minimum: 1 },
      reason: { type: 'string' },
    },
  },
};
