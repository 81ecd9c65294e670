import React from 'react';
import { Box, Text, ValueGroup } from '@adminjs/design-system';
import { flat, useTranslation, type ShowPropertyProps } from 'adminjs';
import type { Contact } from '../studio/shapes';
import { when } from './api';

type Consent = Contact['consent'][string];

const STATUS_WORDS: Record<string, string> = {
  granted: 'agreed',
  denied: 'declined',
  withdrawn: 'withdrew consent',
};

/** A channel name as a person says it (`sms` → SMS, `email` → Email). */
const channelWords = (channel: string): string =>
  channel.length <= 3 ? channel.toUpperCase() : channel.charAt(0).toUpperCase() + channel.slice(1).replace(/[_-]/g, ' ');

/** A contact's consent, one line per channel: what they said, through what, and when; held as JSON on the record. */
const ConsentValue: React.FC<ShowPropertyProps> = ({ property, record }) => {
  const { translateProperty } = useTranslation();
  const consent = (flat.get(record?.params ?? {}, property.path) ?? {}) as Record<string, Consent>;
  const channels = Object.entries(consent);
  return (
    <ValueGroup label={translateProperty(property.label, property.resourceId)}>
      {channels.length === 0 ? (
        <Text>No consent recorded</Text>
      ) : (
        <Box as="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
          {channels.map(([channel, given]) => (
            <Box as="li" key={channel} mb="sm">
              <strong>{channelWords(channel)}</strong>: {STATUS_WORDS[given.status ?? ''] ?? given.status ?? 'unknown'}
              {given.source ? `, through ${given.source}` : ''}
              {given.at ? `, ${when(given.at)}` : ''}
            </Box>
          ))}
        </Box>
      )}
    </ValueGroup>
  );
};

export default ConsentValue;
