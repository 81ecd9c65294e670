import fs from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { PLINTH_VERSION } from '../config/index.js';
import { ValidationError } from '../errors/index.js';
import { modulePrefix } from './validate.js';

const MODULE_ID = /^[a-z][a-z0-9-]{1,30}$/;

/** The files of a new, working plugin: a table, an emitted event, a handler, a migration and a test. */
export function scaffoldFiles(id: string): Map<string, string> {
  if (!MODULE_ID.test(id))
    throw new ValidationError('id', `"${id}" is not a module id (a-z, 0-9 and -, 2 to 31 characters, starting with a letter)`);
  const prefix = modulePrefix(id);
  const vendor = id.replace(/-.*/s, '').replace(/^./, (c) => c.toUpperCase());
  const title = id
    .split('-')
    .map((w) => w.replace(/^./, (c) => c.toUpperCase()))
    .join(' ');
  const event = `${prefix}.note_added`;
  const manifest = {
    id,
    name: title,
    version: '0.1.0',
    engine: `^${semver.major(PLINTH_VERSION)}.${semver.minor(PLINTH_VERSION)}.0`,
    vendor: { name: vendor },
    description: `${title} keeps notes about contacts.`,
    capabilities: { requires: ['contacts:read', 'events:emit'], provides: ['notes'] },
    tables: [
      {
        name: 'notes',
        label: 'Notes',
        schema: {
          type: 'object',
          properties: {
            title: { type: 'string', maxLength: 200 },
            body: { type: 'string' },
            contact_id: { type: 'string', format: 'uuid', 'x-plinth-references': 'contacts' },
          },
          required: ['title'],
        },
        indexes: [{ columns: ['contact_id'] }],
      },
    ],
    events: {
      emits: [
        {
          name: event,
          version: 1,
          description: 'A note was added.',
          payload: {
            type: 'object',
            additionalProperties: false,
            required: ['noteId', 'title'],
            properties: { noteId: { type: 'string', format: 'uuid' }, title: { type: 'string' } },
          },
        },
      ],
      subscribes: [{ event, handler: 'handlers/on-note-added.js', retry: { maxAttempts: 5, initialDelayMs: 1000 } }],
    },
    settings: {
      type: 'object',
      additionalProperties: false,
      properties: { signature: { type: 'string', maxLength: 100, description: 'Appended to every note summary.' } },
    },
    screens: [
      {
        resource: `${id}.notes`,
        label: 'Notes',
        list: ['title', 'contact_id', 'created_at'],
        sort: { property: 'created_at', direction: 'desc' },
      },
    ],
  };
  return new Map([
    ['manifest.json', `${JSON.stringify(manifest, null, 2)}\n`],
    [
      'migrations/0001-title-search.sql',
      `-- Runs as the module's owner, with its own schema first on the search path.\n-- The declared tables already exist (the shell creates them from manifest.json).\nCREATE INDEX IF NOT EXISTS notes_title_search ON notes USING gin (to_tsvector('simple', title));\n`,
    ],
    [
      'handlers/on-note-added.js',
      `/** The line a note leaves in the log; kept apart from the handler so it can be tested alone. */
export function summarize(payload, settings = {}) {
  return [\`Note "\${payload.title}" added\`, settings.signature].filter(Boolean).join(' — ');
}

/** Runs once for every ${event} event delivered to this module. */
export default async function onNoteAdded(event, ctx) {
  ctx.log.info(summarize(event.payload, ctx.settings));
}
`,
    ],
    [
      'test/plugin.test.js',
      `import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import test from 'node:test';
import { summarize } from '../handlers/on-note-added.js';

const manifest = JSON.parse(readFileSync(new URL('../manifest.json', import.meta.url), 'utf8'));

test('a note summary names the note, and the signature when one is set', () => {
  assert.equal(summarize({ noteId: '00000000-0000-4000-8000-000000000000', title: 'Call back' }), 'Note "Call back" added');
  assert.equal(summarize({ title: 'Call back' }, { signature: 'Acme' }), 'Note "Call back" added — Acme');
});

test('every subscription names a handler file of this package', () => {
  for (const s of manifest.events.subscribes) assert.ok(existsSync(new URL(\`../\${s.handler}\`, import.meta.url)), s.handler);
});
`,
    ],
    [
      'package.json',
      `${JSON.stringify({ name: id, version: '0.1.0', private: true, type: 'module', scripts: { test: 'node --test test/' } }, null, 2)}\n`,
    ],
    [
      'README.md',
      `# ${title}\n\nA Plinth module. See Plinth's docs/writing-a-plugin.md.\n\n\`\`\`sh\nnpm test                      # this module's own tests\nplinth plugin validate .\nplinth plugin pack .          # -> ${id}-0.1.0.tgz\n\`\`\`\n`,
    ],
  ]);
}

/** Writes the scaffold into `dir`, which must not exist or be empty. */
export function scaffoldPlugin(id: string, dir: string): string[] {
  const files = scaffoldFiles(id);
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) throw new ValidationError('dir', `${dir} exists and is not empty`);
  for (const [name, text] of files) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return [...files.keys()];
}
