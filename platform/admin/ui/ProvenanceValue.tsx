import React from 'react';
import { Box, Text, ValueGroup } from '@adminjs/design-system';
import { flat, useTranslation, type ShowPropertyProps } from 'adminjs';
import type { Contact } from '../studio/shapes';
import { when } from './api';

type Touch = Contact['provenance'][number];

/** What the shell itself records as a source, in words; a module goes by its name (`custom.moduleNames`). */
const SHELL_CHANNELS: Record<string, string> = {
  admin: 'Added by hand in the admin',
  'demo-seed': 'Demo data',
};

/** Where a contact came from, oldest first, one line per capture; held as JSON on the record. */
const ProvenanceValue: React.FC<ShowPropertyProps> = ({ property, record }) => {
  const { translateProperty } = useTranslation();
  const touches = (flat.get(record?.params ?? {}, property.path) ?? []) as Touch[];
  const names = (property.custom?.moduleNames ?? {}) as Record<string, string>;
  const from = ({ module = 'unknown', channel }: Touch): string => {
    if (module === 'plinth') return (channel && SHELL_CHANNELS[channel]) ?? `Plinth${channel ? ` (${channel})` : ''}`;
    return `${names[module] ?? module}${channel ? ` (${channel.replace(/[_-]/g, ' ')})` : ''}`;
  };
  return (
    <ValueGroup label={translateProperty(property.label, property.resourceId)}>
      {touches.length === 0 ? (
        <Text>Not recorded</Text>
      ) : (
        <Box as="ol" style={{ paddingLeft: 20, margin: 0 }}>
          {touches.map((touch, i) => (
            <Box as="li" key={i} mb="sm">
              {from(touch)}
              {touch.at ? `, ${when(touch.at)}` : ''}
              {touch.ref ? ` (reference ${touch.ref})` : ''}
            </Box>
          ))}
        </Box>
      )}
    </ValueGroup>
  );
};

export default ProvenanceValue;
