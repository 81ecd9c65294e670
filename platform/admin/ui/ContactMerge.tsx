import React, { useState } from 'react';
import { Box, Button, H2, H4, Input, Label, Text } from '@adminjs/design-system';
import { ADMIN, studio, useStudio } from './api';
import type { Contact as StoredContact, Json, MergeChoices, MergeSearchReply } from '../studio/shapes';
import Notice, { type NoticeState } from './Notice';

type Contact = Json<StoredContact>;

const nameOf = (c: Contact): string => c.name || c.emails[0] || c.phones[0] || c.id;
const details = (c: Contact): string =>
  [c.organization, ...c.emails, ...c.phones, c.qualificationStatus].filter(Boolean).join(' · ');

/** One contact to choose, as a radio with what tells it apart. */
const Choice: React.FC<{ group: string; contact: Contact; checked: boolean; onPick: () => void; note?: string }> = ({
  group,
  contact,
  checked,
  onPick,
  note,
}) => (
  <Box as="li" mb="default" data-testid={`${group}-choice`}>
    <label style={{ display: 'flex', gap: 8, alignItems: 'baseline', cursor: 'pointer' }}>
      <input type="radio" name={group} value={contact.id} checked={checked} onChange={onPick} />
      <span>
        <Text as="span" fontWeight="bold">
          {nameOf(contact)}
        </Text>{' '}
        <Text as="span" variant="sm">
          {details(contact)}
          {note ? ` — ${note}` : ''}
        </Text>
      </span>
    </label>
  </Box>
);

/**
 * The contact page's merge action: pick the other contact (an open merge candidate, or any
 * contact found by name or email), pick which of the two is kept, confirm, merge. The server
 * moves every module's rows and the timeline to the one kept and removes the other.
 */
const ContactMerge: React.FC<{ record?: { id: string | number } }> = ({ record }) => {
  const id = String(record?.id ?? '');
  const { data, error, reload } = useStudio<Json<MergeChoices>>(`contacts/${encodeURIComponent(id)}/merge`);
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<Contact[] | null>(null);
  const [other, setOther] = useState<Contact | null>(null);
  const [survivorId, setSurvivorId] = useState(id);
  const [notice, setNotice] = useState<NoticeState | null>(null);
  const [busy, setBusy] = useState(false);

  if (error) return <Notice notice={{ variant: 'danger', message: error }} onClose={reload} />;
  if (!data) return <Text>Loading…</Text>;
  const { contact, candidates } = data;

  const search = async (event: React.FormEvent) => {
    event.preventDefault();
    try {
      const { contacts } = await studio<Json<MergeSearchReply>>(
        `contacts/${encodeURIComponent(id)}/merge/search?q=${encodeURIComponent(query)}`,
      );
      setFound(contacts);
      setNotice(null);
    } catch (err) {
      setNotice({ variant: 'danger', message: (err as Error).message });
    }
  };

  const merge = async () => {
    if (!other) return;
    const [kept, gone] = survivorId === contact.id ? [contact, other] : [other, contact];
    const sure = window.confirm(
      `Merge "${nameOf(gone)}" into "${nameOf(kept)}"? "${nameOf(gone)}" is removed: its emails, phones, consent, ` +
        `history and every module's records move to "${nameOf(kept)}". This cannot be undone.`,
    );
    if (!sure) return;
    setBusy(true);
    try {
      await studio(`contacts/${encodeURIComponent(id)}/merge`, 'POST', { otherId: other.id, survivorId });
      window.location.assign(`${ADMIN}/resources/contacts/records/${encodeURIComponent(kept.id)}/show`);
    } catch (err) {
      setNotice({ variant: 'danger', message: (err as Error).message });
      setBusy(false);
    }
  };

  const pickOther = (picked: Contact) => {
    setOther(picked);
    setSurvivorId(contact.id);
  };

  return (
    <Box variant="grey">
      <Box variant="white" data-testid="contact-merge">
        <H2 mb="sm">Merge {nameOf(contact)} with another contact</H2>
        <Text mb="xl">{details(contact)}</Text>

        <H4>1. The other contact</H4>
        {candidates.length > 0 ? (
          <>
            <Text mb="default">Flagged as possibly the same person:</Text>
            <Box as="ul" style={{ listStyle: 'none', padding: 0 }}>
              {candidates.map((c) => (
                <Choice
                  key={c.id}
                  group="other"
                  contact={c.contact}
                  checked={other?.id === c.contact.id}
                  onPick={() => pickOther(c.contact)}
                  note={`flagged by a capture that gave ${[...(c.reason.emails ?? []), ...(c.reason.phones ?? [])].join(', ')}`}
                />
              ))}
            </Box>
          </>
        ) : (
          <Text mb="default">Nothing flagged this contact as a possible duplicate.</Text>
        )}
        <form onSubmit={(event) => void search(event)} role="search" aria-label="Find another contact">
          <Label htmlFor="merge-search">Or find a contact by name or email</Label>
          <Box flex style={{ gap: 8 }} mb="default">
            <Input
              id="merge-search"
              value={query}
              onChange={(e: React.ChangeEvent<HTMLInputElement>) => setQuery(e.target.value)}
            />
            <Button type="submit" variant="outlined">
              Find
            </Button>
          </Box>
        </form>
        {found && (
          <Box as="ul" style={{ listStyle: 'none', padding: 0 }} data-testid="merge-found">
            {found.map((c) => (
              <Choice key={c.id} group="other" contact={c} checked={other?.id === c.id} onPick={() => pickOther(c)} />
            ))}
            {found.length === 0 && <Text>No other contact matches "{query}".</Text>}
          </Box>
        )}

        {other && (
          <>
            <H4 mt="xl">2. The contact to keep</H4>
            <Text mb="default">The other one is removed once its details and records have moved.</Text>
            <Box as="ul" style={{ listStyle: 'none', padding: 0 }}>
              {[contact, other].map((c) => (
                <Choice
                  key={c.id}
                  group="survivor"
                  contact={c}
                  checked={survivorId === c.id}
                  onPick={() => setSurvivorId(c.id)}
                />
              ))}
            </Box>
            <Box mt="lg">
              <Notice notice={notice} onClose={() => setNotice(null)} />
              <Button variant="danger" onClick={merge} disabled={busy} data-testid="merge-button">
                Merge…
              </Button>
            </Box>
          </>
        )}
        {!other && <Notice notice={notice} onClose={() => setNotice(null)} />}
      </Box>
    </Box>
  );
};

export default ContactMerge;
