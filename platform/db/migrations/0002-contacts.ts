import { grantApp, run, touchTrigger, type ShellMigration } from './context.js';

/**
 * The shared person/lead record. Emails and phones are arrays on the contact for reading;
 * identity (what makes two captures the same person) is one row per normalized value in
 * contact_identities, because no unique index covers array elements.
 */
export const contacts: ShellMigration = {
  name: '0002-contacts',
  async up(ctx) {
    await run(ctx, [
      `CREATE TABLE contacts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        name text NOT NULL DEFAULT '',
        organization text,
        emails text[] NOT NULL DEFAULT '{}',
        phones text[] NOT NULL DEFAULT '{}',
        provenance jsonb NOT NULL DEFAULT '[]'
          CONSTRAINT contacts_provenance_array CHECK (jsonb_typeof(provenance) = 'array'),
        qualification_status text NOT NULL DEFAULT 'new' CONSTRAINT contacts_qualification_status
          CHECK (qualification_status IN ('new', 'engaged', 'qualified', 'disqualified', 'customer')),
        lead_score integer NOT NULL DEFAULT 0 CONSTRAINT contacts_lead_score_range CHECK (lead_score BETWEEN 0 AND 100),
        warmth text CONSTRAINT contacts_warmth CHECK (warmth IN ('cold', 'warm', 'hot')),
        consent jsonb NOT NULL DEFAULT '{}'
          CONSTRAINT contacts_consent_object CHECK (jsonb_typeof(consent) = 'object'),
        preferred_channel text,
        metadata jsonb NOT NULL DEFAULT '{}'
          CONSTRAINT contacts_metadata_object CHECK (jsonb_typeof(metadata) = 'object'),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT contacts_workspace_id_key UNIQUE (workspace_id, id)
      )`,
      `CREATE INDEX contacts_workspace_created_idx ON contacts (workspace_id, created_at DESC, id)`,
      `CREATE INDEX contacts_workspace_status_idx ON contacts (workspace_id, qualification_status)`,
      touchTrigger('contacts'),
      `CREATE TABLE contact_identities (
        workspace_id uuid NOT NULL,
        kind text NOT NULL CONSTRAINT contact_identities_kind CHECK (kind IN ('email', 'phone')),
        value text NOT NULL CONSTRAINT contact_identities_value_length CHECK (length(value) BETWEEN 3 AND 320),
        contact_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace_id, kind, value),
        FOREIGN KEY (workspace_id, contact_id) REFERENCES contacts (workspace_id, id) ON DELETE CASCADE
      )`,
      `CREATE INDEX contact_identities_contact_idx ON contact_identities (contact_id)`,
      `CREATE TABLE contact_merge_candidates (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL,
        contact_id uuid NOT NULL,
        other_contact_id uuid NOT NULL,
        reason jsonb NOT NULL,
        status text NOT NULL DEFAULT 'open'
          CONSTRAINT contact_merge_candidates_status CHECK (status IN ('open', 'merged', 'dismissed')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (workspace_id, contact_id) REFERENCES contacts (workspace_id, id) ON DELETE CASCADE,
        FOREIGN KEY (workspace_id, other_contact_id) REFERENCES contacts (workspace_id, id) ON DELETE CASCADE,
        CONSTRAINT contact_merge_candidates_ordered CHECK (contact_id < other_contact_id),
        CONSTRAINT contact_merge_candidates_pair_key UNIQUE (workspace_id, contact_id, other_contact_id)
      )`,
      `CREATE INDEX contact_merge_candidates_open_idx ON contact_merge_candidates (workspace_id) WHERE status = 'open'`,
      touchTrigger('contact_merge_candidates'),
      ...grantApp(ctx, ['contacts', 'contact_identities', 'contact_merge_candidates']),
    ]);
  },
  async down(ctx) {
    await run(ctx, ['DROP TABLE contact_merge_candidates', 'DROP TABLE contact_identities', 'DROP TABLE contacts']);
  },
};
