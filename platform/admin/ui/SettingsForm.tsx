import React, { useState } from 'react';
import { Box, Button, CheckBox, Input, Label, Text } from '@adminjs/design-system';

interface Schema {
  type?: string | string[];
  title?: string;
  description?: string;
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
}

const typeOf = (schema: Schema): string => (Array.isArray(schema.type) ? schema.type[0] : (schema.type ?? 'string'));

/** A form value as the schema's type wants it; what cannot be read is sent as typed, for the server to refuse by name. */
function coerce(schema: Schema, raw: string): unknown {
  const type = typeOf(schema);
  if (type === 'integer' || type === 'number') return raw.trim() === '' ? undefined : Number(raw);
  if (type === 'array')
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => (schema.items && ['integer', 'number'].includes(typeOf(schema.items)) ? Number(s) : s));
  if (type === 'object') {
    try {
      return JSON.parse(raw || '{}');
    } catch {
      return raw;
    }
  }
  return raw === '' ? undefined : raw;
}

const shown = (schema: Schema, value: unknown): string => {
  const type = typeOf(schema);
  if (value === undefined || value === null) return '';
  if (type === 'array') return (value as unknown[]).join(', ');
  if (type === 'object') return JSON.stringify(value);
  return String(value);
};

/**
 * A module's settings form, generated from the JSON Schema its manifest declares: text, numbers,
 * choices, switches, lists (comma-separated) and objects (JSON). The server validates again.
 */
const SettingsForm: React.FC<{
  moduleId: string;
  schema: Schema;
  value: Record<string, unknown> | null;
  onSave: (settings: Record<string, unknown>) => void;
}> = ({ moduleId, schema, value, onSave }) => {
  const properties = Object.entries(schema.properties ?? {});
  const [texts, setTexts] = useState<Record<string, string>>(
    Object.fromEntries(properties.map(([name, s]) => [name, shown(s, value?.[name])])),
  );
  const [flags, setFlags] = useState<Record<string, boolean>>(
    Object.fromEntries(properties.filter(([, s]) => typeOf(s) === 'boolean').map(([name]) => [name, value?.[name] === true])),
  );
  const submit = () => {
    const settings: Record<string, unknown> = {};
    for (const [name, s] of properties) {
      const v = typeOf(s) === 'boolean' ? flags[name] : coerce(s, texts[name] ?? '');
      if (v !== undefined) settings[name] = v;
    }
    onSave(settings);
  };
  if (properties.length === 0) return <Text>This module has no settings.</Text>;
  return (
    <Box data-testid={`settings-${moduleId}`} mt="default">
      {properties.map(([name, s]) => {
        const id = `${moduleId}-${name}`;
        const label = `${s.title ?? name}${schema.required?.includes(name) ? ' *' : ''}`;
        if (typeOf(s) === 'boolean') {
          return (
            <Box key={name} mb="default" flex alignItems="center" style={{ gap: 8 }}>
              <CheckBox id={id} checked={flags[name]} onChange={() => setFlags({ ...flags, [name]: !flags[name] })} />
              <Label inline htmlFor={id}>
                {label}
              </Label>
            </Box>
          );
        }
        return (
          <Box key={name} mb="default">
            <Label htmlFor={id}>{label}</Label>
            {s.enum ? (
              <select
                id={id}
                value={texts[name]}
                onChange={(e) => setTexts({ ...texts, [name]: e.target.value })}
                style={{ padding: 8 }}
              >
                <option value="" />
                {s.enum.map((option) => (
                  <option key={String(option)} value={String(option)}>
                    {String(option)}
                  </option>
                ))}
              </select>
            ) : (
              <Input
                id={id}
                width={1}
                type={['integer', 'number'].includes(typeOf(s)) ? 'number' : 'text'}
                value={texts[name]}
                onChange={(e: React.ChangeEvent<HTMLInputElement>) => setTexts({ ...texts, [name]: e.target.value })}
              />
            )}
            {(s.description || typeOf(s) === 'array') && (
              <Text variant="sm">
                {s.description ?? ''}
                {typeOf(s) === 'array' ? ' (separate entries with commas)' : ''}
              </Text>
            )}
          </Box>
        );
      })}
      <Button size="sm" variant="contained" data-testid={`save-settings-${moduleId}`} onClick={submit}>
        Save settings
      </Button>
    </Box>
  );
};

export default SettingsForm;
