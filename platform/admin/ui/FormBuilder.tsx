import React, { useEffect, useMemo, useState } from 'react';
import { Box, Button, CheckBox, FormGroup, Input, Label, Select, Text, TextArea } from '@adminjs/design-system';
import Form from '@rjsf/core/lib/components/Form.js';
import type { UiSchema } from '@rjsf/utils';
import {
  builderProblems,
  fromSchema,
  IDENTITY_KEYS,
  keyFor,
  KINDS,
  STARTER,
  toSchema,
  type BuilderField,
  type Kind,
} from './form-kinds';
import OrderButtons from './OrderButtons';
import { settingsTemplates } from './settings-templates';
import { SettingsValidator } from './settings-validator';

interface Props {
  property: { path: string; label: string };
  record: { params: Record<string, unknown>; errors?: Record<string, { message: string }> };
  onChange: (path: string, value: unknown) => void;
}

/** A field being built: one added here follows its label with its key until it is saved. */
type Field = BuilderField & { fresh?: boolean };

const validator = new SettingsValidator();
const KIND_OPTIONS = KINDS.map((k) => ({ value: k.kind, label: k.label }));
const ROW: React.CSSProperties = { display: 'flex', flexWrap: 'wrap', gap: 12, alignItems: 'flex-end' };

function parsed(text: unknown): Field[] | null {
  if (typeof text !== 'string' || text.trim() === '') return null;
  try {
    return fromSchema(JSON.parse(text));
  } catch {
    return null;
  }
}

/** The preview's hints to rjsf: long text as a text area, the form's order. */
function previewUi(fields: Field[]): UiSchema {
  return {
    'ui:order': [...fields.map((f) => f.key), '*'],
    'ui:submitButtonOptions': { norender: true },
    ...Object.fromEntries(fields.filter((f) => f.kind === 'longText').map((f) => [f.key, { 'ui:widget': 'textarea' }])),
  };
}

/**
 * A form's fields, built as label, type, required and options, and kept as the JSON Schema the
 * module checks submissions against; beside it, the form as people will see it. What the builder
 * cannot show (a property of another shape) is kept as it is. The raw JSON stays one click away.
 */
const FormBuilder: React.FC<Props> = ({ property, record, onChange }) => {
  const stored = record.params[property.path];
  const [fields, setFields] = useState<Field[]>(() => parsed(stored) ?? STARTER.map((f) => ({ ...f, fresh: true })));
  const [asJson, setAsJson] = useState(typeof stored === 'string' && stored.trim() !== '' && parsed(stored) === null);
  const [jsonText, setJsonText] = useState(typeof stored === 'string' ? stored : '');
  const schema = useMemo(() => toSchema(fields), [fields]);
  const problems = builderProblems(fields);
  const serverError = record.errors?.[property.path]?.message;

  const send = (next: Field[]) => {
    setFields(next);
    onChange(property.path, JSON.stringify(toSchema(next), null, 2));
  };
  // A new form posts its starting fields even if the admin changes none of them.
  useEffect(() => {
    if (!asJson && parsed(stored) === null) send(fields);
    // Once, for the record as it was opened.
  }, []);

  const update = (index: number, change: Partial<Field>) =>
    send(
      fields.map((f, i) => {
        if (i !== index) return f;
        const next = { ...f, ...change };
        if (!f.fresh || !('label' in change || 'kind' in change)) return next;
        const others = fields.filter((_, j) => j !== index).map((o) => o.key);
        return { ...next, key: keyFor(next.label, next.kind as Kind, others) };
      }),
    );
  const move = (index: number, by: number) => {
    const next = [...fields];
    const [f] = next.splice(index, 1);
    if (!f) return;
    next.splice(index + by, 0, f);
    send(next);
  };
  const remove = (index: number) => {
    const f = fields[index];
    if (!f || (!f.fresh && !window.confirm(`Remove the field "${f.label}"? Submissions already kept keep their answers to it.`)))
      return;
    send(fields.filter((_, i) => i !== index));
  };
  const add = () =>
    send([
      ...fields,
      {
        key: keyFor(
          'Question',
          'text',
          fields.map((f) => f.key),
        ),
        label: 'Question',
        kind: 'text',
        required: false,
        options: [],
        help: '',
        fresh: true,
      },
    ]);

  if (asJson) {
    const switchBack = () => {
      const back = parsed(jsonText);
      if (back) {
        setAsJson(false);
        send(back);
      } else window.alert('This is not JSON the builder can read: fix it, or keep editing it as JSON.');
    };
    return (
      <FormGroup error={!!serverError} mb="xl">
        <Label htmlFor="fields-json">{property.label} (JSON Schema)</Label>
        <TextArea
          id="fields-json"
          rows={16}
          width="100%"
          value={jsonText}
          onChange={(e: React.ChangeEvent<HTMLTextAreaElement>) => {
            setJsonText(e.target.value);
            onChange(property.path, e.target.value);
          }}
        />
        {serverError && (
          <Text color="error" role="alert">
            {serverError}
          </Text>
        )}
        <Button type="button" size="sm" mt="default" onClick={switchBack}>
          Back to the builder
        </Button>
      </FormGroup>
    );
  }

  return (
    <Box mb="xl" data-testid="form-builder">
      <Text as="h3" fontWeight="bold" mb="default">
        {property.label}
      </Text>
      <Text variant="sm" mb="lg">
        Fields named Name, Email, Phone and Company make the contact; every other answer is kept with the submission.
      </Text>
      <Box flex style={{ flexWrap: 'wrap', gap: 24 }}>
        <Box style={{ flex: '1 1 420px', minWidth: 0 }}>
          <ol style={{ listStyle: 'none', padding: 0, margin: 0 }}>
            {fields.map((f, i) => (
              <li
                key={`${f.key}-${i}`}
                data-testid={`builder-field-${i}`}
                style={{ borderBottom: '1px solid #ddd', padding: '12px 0' }}
              >
                {f.kind === 'kept' ? (
                  <Text>
                    <strong>{f.label}</strong> ({f.key}): a field of its own shape, kept as it is; edit it as JSON.
                  </Text>
                ) : (
                  <FieldEditor field={f} index={i} onChange={(change) => update(i, change)} />
                )}
                {problems.field[i] && (
                  <Text color="error" role="alert" mt="sm">
                    {problems.field[i]}
                  </Text>
                )}
                <Box style={{ ...ROW, marginTop: 8 }}>
                  <Text variant="sm">
                    Saved as <code>{f.key}</code>
                    {IDENTITY_KEYS.includes(f.key) && ' (makes the contact)'}
                  </Text>
                  <OrderButtons name={f.label} index={i} count={fields.length} move={move} remove={remove} />
                </Box>
              </li>
            ))}
          </ol>
          <Box style={{ ...ROW, marginTop: 12 }}>
            <Button type="button" size="sm" onClick={add} data-testid="add-field">
              Add a field
            </Button>
            <Button
              type="button"
              size="sm"
              variant="text"
              onClick={() => {
                setJsonText(JSON.stringify(schema, null, 2));
                setAsJson(true);
              }}
            >
              Edit as JSON
            </Button>
          </Box>
          {(problems.form || serverError) && (
            <Text color="error" role="alert" mt="default" data-testid="builder-problem">
              {serverError ?? problems.form}
            </Text>
          )}
        </Box>
        <Box style={{ flex: '1 1 320px', minWidth: 0 }} aria-label="Preview" role="region">
          <Text as="h4" fontWeight="bold" mb="default">
            Preview: what people see
          </Text>
          <Box data-testid="form-preview" p="lg" style={{ border: '1px dashed #999', borderRadius: 4 }}>
            <Form
              schema={schema}
              uiSchema={previewUi(fields)}
              validator={validator}
              templates={settingsTemplates}
              idPrefix="preview"
              // Inside the admin's own form: a preview input left empty must not hold up its Save.
              tagName="div"
              readonly
              showErrorList={false}
              noHtml5Validate
            />
          </Box>
        </Box>
      </Box>
    </Box>
  );
};

/** One field's label, type, required tick, options and help. */
const FieldEditor: React.FC<{ field: Field; index: number; onChange: (change: Partial<Field>) => void }> = ({
  field,
  index,
  onChange,
}) => {
  const id = (what: string) => `builder-${index}-${what}`;
  return (
    <Box style={ROW}>
      <FormGroup mb={0} style={{ flex: '2 1 180px', minWidth: 0 }}>
        <Label htmlFor={id('label')}>Label</Label>
        <Input
          id={id('label')}
          width="100%"
          value={field.label}
          onChange={(e: React.ChangeEvent<HTMLInputElement>) => onChange({ label: e.target.value })}
        />
      </FormGroup>
      <FormGroup mb={0} style={{ flex: '1 1 140px', minWidth: 0 }}>
        <Label htmlFor={id('kind')}>Type</Label>
        <Select
          inputId={id('kind')}
          value={KIND_OPTIONS.find((k) => k.value === field.kind)}
          options={KIND_OPTIONS}
          isClearable={false}
          onChange={(choice: { value: Kind } | null) => choice && onChange({ kind: choice.value })}
        />
      </FormGroup>
      <FormGroup mb={0} style={{ display: 'flex', alignItems: 'center', gap: 6, paddingBottom: 8 }}>
        <CheckBox id={id('required')} checked={field.required} onChange={() => onChange({ required: !field.required })} />
        <Label htmlFor={id('required')} inline mb={0}>
          Required
        </Label>
      </FormGroup>
      {field.kind === 'choice' && (
        <FormGroup mb={0} style={{ flex: '1 1 100%', minWidth: 0 }}>
          <Label htmlFor={id('options')}>Options, one per line</Label>
          <TextArea
            id={id('options')}
            rows={3}
            width="100%"
            value={field.options.join('\n')}
            onChange={(e: React.ChangeEvent<HTMLTextAreaElement>) => onChange({ options: e.target.value.split('\n') })}
          />
        </FormGroup>
      )}
      <FormGroup mb={0} style={{ flex: '1 1 100%', minWidth: 0 }}>
        <Label htmlFor={id('help')}>Help shown under the field (optional)</Label>
        <Input
          id={id('help')}
          width="100%"
          value={field.help}
          onChange={(e: React.ChangeEvent<HTMLInputElement>) => onChange({ help: e.target.value })}
        />
      </FormGroup>
    </Box>
  );
};

export default FormBuilder;
