import React from 'react';
import { Badge, Box, H2, H4, Text } from '@adminjs/design-system';
import type { ContactTimelineReply, Json } from '../studio/shapes';
import { useStudio, when } from './api';
import Notice from './Notice';

/** A short line of what an event carried: its scalar fields, so the timeline reads without opening each. */
const summary = (payload: Record<string, unknown>): string =>
  Object.entries(payload)
    .filter(([, v]) => v !== null && typeof v !== 'object')
    .slice(0, 6)
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(' · ');

/** Contact 360: one contact and, oldest first, everything every module recorded about it. */
const ContactTimeline: React.FC<{ record?: { id: string | number } }> = ({ record }) => {
  const { data, error, reload } = useStudio<Json<ContactTimelineReply>>(
    `contacts/${encodeURIComponent(String(record?.id ?? ''))}/timeline`,
  );
  if (error) return <Notice notice={{ variant: 'danger', message: error }} onClose={reload} />;
  if (!data) return <Text>Loading…</Text>;
  const { contact, events } = data;
  return (
    <Box variant="grey">
      <Box variant="white">
        <H2 mb="sm">{contact.name}</H2>
        <Text mb="lg">{[contact.organization, ...contact.emails, ...contact.phones].filter(Boolean).join(' · ')}</Text>
        <Box flex style={{ gap: 8 }} mb="xl">
          <Badge variant="primary">{contact.qualificationStatus}</Badge>
          <Badge>lead score {contact.leadScore}</Badge>
          {contact.provenance.map((p, i) => (
            <Badge key={i} outline>
              via {p.module}
              {p.channel ? ` (${p.channel})` : ''}
            </Badge>
          ))}
        </Box>
        <H4>Timeline</H4>
        <Box as="ol" data-testid="timeline" style={{ listStyle: 'none', padding: 0 }}>
          <Box as="li" mb="lg" pl="lg" style={{ borderLeft: '3px solid #ccc' }}>
            <Text variant="sm">{when(contact.createdAt)}</Text>
            <Text fontWeight="bold">Contact created</Text>
          </Box>
          {events.map((event) => (
            <Box as="li" key={event.id} mb="lg" pl="lg" style={{ borderLeft: '3px solid #3040d6' }} data-testid="timeline-event">
              <Text variant="sm">
                {when(event.occurredAt)} · {event.producer}
              </Text>
              <Text fontWeight="bold">{event.name}</Text>
              <Text variant="sm">{summary(event.payload)}</Text>
            </Box>
          ))}
          {events.length === 0 && <Text>No module has recorded anything about this contact yet.</Text>}
        </Box>
      </Box>
    </Box>
  );
};

export default ContactTimeline;
