import type { ActionContext } from 'adminjs';
import type { Database } from '../db/index.js';
import { CHANNELS, STATUSES, WARMTHS, type Entities } from '../entities/index.js';
import type { RegistryRow } from '../registry/index.js';
import { arrayFilterProperties } from './array-filters.js';
import { contactConditions } from './contact-search.js';
import { NEW_CONTACT_FIELDS, newContact } from './new-contact.js';
import type { ResourceDefaults } from './resource-screens.js';
import { UI } from './ui.js';

/** The contacts' screens: made through the shell's upsert, searched and filtered their own way, with a timeline and a merge. */
export function contactDefaults(
  db: Database,
  entities: Entities,
  workspaceId: string,
  modules: { row: RegistryRow; name: string }[],
  editor: boolean,
): ResourceDefaults {
  return {
    group: 'People',
    label: 'Contacts',
    created: 'createdAt',
    creatable: true,
    // Made through the shell's upsert, which keeps identities in step, not by the model's insert.
    create: newContact(db, entities.contacts, workspaceId),
    conditions: contactConditions,
    choices: { qualificationStatus: STATUSES, warmth: WARMTHS, preferredChannel: CHANNELS },
    properties: {
      ...arrayFilterProperties(['emails', 'phones']),
      consent: { components: { show: UI.ConsentValue } },
      provenance: {
        components: { show: UI.ProvenanceValue },
        // Which module captured the contact, by the name its manifest gives.
        custom: { moduleNames: Object.fromEntries(modules.map(({ row, name }) => [row.moduleId, name])) },
      },
    },
    // Without a layout AdminJS would list the first columns, JSON objects among them, which a list cell cannot show.
    list: ['name', 'organization', 'emails', 'phones', 'qualificationStatus', 'createdAt'],
    actions: {
      list: { component: UI.ContactList },
      new: { isAccessible: editor, component: UI.NewContact, custom: { fields: NEW_CONTACT_FIELDS } },
      timeline: {
        actionType: 'record',
        icon: 'Clock',
        component: UI.ContactTimeline,
        handler: async (_request: unknown, _response: unknown, context: ActionContext) => ({
          record: context.record!.toJSON(context.currentAdmin),
        }),
      },
      // Two records of one person become one, with every module's rows (decision 0027).
      merge: {
        actionType: 'record',
        icon: 'GitMerge',
        isAccessible: editor,
        component: UI.ContactMerge,
        handler: async (_request: unknown, _response: unknown, context: ActionContext) => ({
          record: context.record!.toJSON(context.currentAdmin),
        }),
      },
    },
  };
}
