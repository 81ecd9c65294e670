import React from 'react';
import { Box, Text } from '@adminjs/design-system';
import type { WebFormProps } from '../studio/shapes';
import { fromSchema, KINDS } from './form-kinds';
import FormShare from './FormShare';

interface Props {
  property: { path: string; label: string; custom: { webForm?: WebFormProps } };
  record: { params: Record<string, unknown> };
}

function schemaOf(text: unknown): unknown {
  try {
    return typeof text === 'string' ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

/** A form's fields as a person reads them (label, type, required, options), and where the form is shared. */
const FormFields: React.FC<Props> = ({ property, record }) => {
  const fields = fromSchema(schemaOf(record.params[property.path]));
  const kind = (k: string) => KINDS.find((x) => x.kind === k)?.label ?? 'Custom';
  return (
    <Box mb="xl">
      <Text as="h3" fontWeight="bold" mb="default">
        {property.label}
      </Text>
      {fields.length === 0 ? (
        <Text>No fields.</Text>
      ) : (
        <ol data-testid="form-fields" style={{ paddingLeft: 20, margin: 0 }}>
          {fields.map((f) => (
            <li key={f.key}>
              <strong>{f.label}</strong>: {kind(f.kind)}
              {f.required ? ', required' : ''}
              {f.kind === 'choice' && ` (${f.options.join(', ')})`}
            </li>
          ))}
        </ol>
      )}
      {property.custom.webForm && <FormShare webForm={property.custom.webForm} params={record.params} />}
    </Box>
  );
};

export default FormFields;
