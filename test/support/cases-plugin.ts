import { pluginDir } from './plugins.js';

/** A module with one table of every kind of column, a hidden one, an index on `stage`, and an onChange that may refuse. */
export const casesPlugin = () =>
  pluginDir(
    'acme-cases',
    (m) => {
      m.tables = [
        {
          name: 'cases',
          onChange: 'handlers/case-changed.js',
          schema: {
            type: 'object',
            properties: {
              title: { type: 'string', minLength: 1, maxLength: 200 },
              stage: { type: 'string', enum: ['open', 'won', 'lost'] },
              amount: { type: 'integer', minimum: 0 },
              due_at: { type: 'string', format: 'date-time' },
              tags: { type: 'array', items: { type: 'string' } },
              private_note: { type: 'string', 'x-plinth-hidden': true },
            },
            required: ['title'],
          },
          indexes: [{ columns: ['stage'] }],
        },
      ];
      m.screens = [];
      m.events = {
        emits: [
          {
            name: 'acme_cases.case_changed',
            version: 1,
            description: 'A case was written from outside the module.',
            payload: {
              type: 'object',
              required: ['caseId', 'action'],
              properties: { caseId: { type: 'string' }, action: { type: 'string' } },
            },
          },
        ],
        subscribes: [],
      };
    },
    {
      'migrations/0001-title-search.sql': 'CREATE INDEX IF NOT EXISTS cases_title ON cases (title);',
      'handlers/case-changed.js': `export default async function caseChanged(change, ctx) {
        if (change.row?.title === 'forbidden') {
          const refusal = new Error('a case may not be called forbidden');
          refusal.path = 'title';
          throw refusal;
        }
        await ctx.events.emit('acme_cases.case_changed', { caseId: change.id, action: change.action });
      }`,
    },
  );
