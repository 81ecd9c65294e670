import React, { useMemo, useState } from 'react';
import { Box, Button, Text } from '@adminjs/design-system';
// Not the package's index, which also exports a test registry importing rjsf's ajv validator (not installed: ajv needs eval).
import Form from '@rjsf/core/lib/components/Form.js';
import type { ErrorSchema, RJSFSchema, RJSFValidationError } from '@rjsf/utils';
import { placeOf, settingsUiSchema } from './settings-labels';
import { removalQuestion } from './settings-removals';
import { serverErrors } from './settings-server-errors';
import { settingsTemplates } from './settings-templates';
import { asSent, SettingsValidator } from './settings-validator';

type Settings = Record<string, unknown>;

interface Outcome {
  variant: 'success' | 'danger' | 'info';
  message: string;
  problems?: string[];
}

const validator = new SettingsValidator();
/** How many of the problems the line beside the Save button lists; the rest are beside their fields anyway. */
const LISTED = 5;

const OUTCOME_COLOR: Record<Outcome['variant'], string> = { success: 'success', danger: 'error', info: 'grey80' };

/**
 * A module's settings form, rendered by rjsf from the settings schema its manifest declares:
 * nested objects, lists of objects and of values, choices, numbers. Problems show beside their
 * fields, whether this page found them or the server (which checks again, and decides); the
 * outcome of a save shows beside the Save button. A save that would remove entries or values
 * asks first.
 */
const SettingsForm: React.FC<{
  moduleId: string;
  schema: Settings;
  /** The settings as stored: what a save is compared with. */
  value: Settings | null;
  save: (settings: Settings) => Promise<unknown>;
  savedMessage: string;
  onSaved: () => void;
}> = ({ moduleId, schema, value, save, savedMessage, onSaved }) => {
  const rjsfSchema = schema as RJSFSchema;
  const uiSchema = useMemo(() => settingsUiSchema(rjsfSchema), [rjsfSchema]);
  const [formData, setFormData] = useState<Settings>(value ?? {});
  const [refusal, setRefusal] = useState<ErrorSchema | undefined>();
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [saving, setSaving] = useState(false);
  const [tried, setTried] = useState(false);

  if (Object.keys(rjsfSchema.properties ?? {}).length === 0) return <Text>This module has no settings.</Text>;

  const submit = async (settings: Settings) => {
    const question = removalQuestion(value, settings, rjsfSchema);
    if (question && !window.confirm(question)) {
      setOutcome({ variant: 'info', message: 'Nothing was saved.' });
      return;
    }
    setSaving(true);
    try {
      await save(asSent(settings) as Settings);
      setOutcome({ variant: 'success', message: savedMessage });
      onSaved();
    } catch (err) {
      setRefusal(serverErrors((err as Error).message) ?? undefined);
      setOutcome({ variant: 'danger', message: `Not saved: ${(err as Error).message}` });
    } finally {
      setSaving(false);
    }
  };

  const refused = (errors: RJSFValidationError[]) => {
    setTried(true);
    setOutcome({
      variant: 'danger',
      message: `Not saved: ${errors.length === 1 ? 'one problem, marked at its field' : `${errors.length} problems, marked at their fields`}.`,
      problems: errors.slice(0, LISTED).map((e) => `${placeOf(e.params?.path ?? [], rjsfSchema)}: ${e.message}`),
    });
  };

  return (
    <Box data-testid={`settings-${moduleId}`} mt="lg" style={{ maxWidth: 720, minWidth: 0 }}>
      <Form<Settings>
        schema={rjsfSchema}
        uiSchema={uiSchema}
        validator={validator}
        templates={settingsTemplates}
        formData={formData}
        idPrefix={`settings-${moduleId}`}
        extraErrors={refusal}
        showErrorList={false}
        noHtml5Validate
        focusOnFirstError
        liveValidate={tried ? 'onChange' : undefined}
        onChange={(e) => {
          setFormData(e.formData ?? {});
          // What was said of the last save is about other settings now.
          setRefusal(undefined);
          setOutcome(null);
        }}
        onError={refused}
        onSubmit={(e) => void submit(e.formData ?? {})}
      >
        <Box flex alignItems="baseline" mt="lg" style={{ gap: 12, flexWrap: 'wrap' }}>
          <Button type="submit" size="sm" variant="contained" disabled={saving} data-testid={`save-settings-${moduleId}`}>
            Save settings
          </Button>
          {outcome && (
            <Box
              role={outcome.variant === 'danger' ? 'alert' : 'status'}
              data-testid={`settings-outcome-${moduleId}`}
              style={{ flex: '1 1 240px', minWidth: 0 }}
            >
              <Text color={OUTCOME_COLOR[outcome.variant]}>{outcome.message}</Text>
              {outcome.problems?.map((p) => (
                <Text key={p} variant="sm" color="error">
                  {p}
                </Text>
              ))}
            </Box>
          )}
        </Box>
      </Form>
    </Box>
  );
};

export default SettingsForm;
