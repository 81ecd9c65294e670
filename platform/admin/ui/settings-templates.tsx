import React, { useCallback } from 'react';
import { Box, Button, FormGroup, FormMessage, Icon, Input, Label, Text } from '@adminjs/design-system';
import type { FormProps } from '@rjsf/core/lib/components/Form.js';
import {
  ADDITIONAL_PROPERTY_FLAG,
  ariaDescribedByIds,
  canExpand,
  descriptionId,
  errorId,
  getInputProps,
  getTemplate,
  getUiOptions,
  titleId,
  type ArrayFieldItemButtonsTemplateProps,
  type ArrayFieldItemTemplateProps,
  type ArrayFieldTemplateProps,
  type BaseInputTemplateProps,
  type DescriptionFieldProps,
  type FieldErrorProps,
  type FieldTemplateProps,
  type ObjectFieldTemplateProps,
  type TitleFieldProps,
  type WrapIfAdditionalTemplateProps,
} from '@rjsf/utils';
import { inSentence } from './settings-labels';

/** Read by screen readers, not shown: the label of each entry of a list of plain values ("Keyword 3"), which its list's legend already says. */
const VISUALLY_HIDDEN: React.CSSProperties = {
  position: 'absolute',
  width: 1,
  height: 1,
  overflow: 'hidden',
  clip: 'rect(0 0 0 0)',
  whiteSpace: 'nowrap',
};

/** A fieldset without the browser's frame, and allowed to shrink below its content's width (390 px screens). */
const FIELDSET: React.CSSProperties = { border: 0, padding: 0, margin: 0, minWidth: 0 };

const isEntryOfList = (path: (string | number)[]) => typeof path.at(-1) === 'number';

/** A field: its label, description, input and problems; a map's key also gets its name field and remove button (rjsf's wrapper). */
function FieldTemplate(props: FieldTemplateProps) {
  const { id, label, children, errors, help, description, hidden, required, displayLabel, rawErrors, fieldPathId, schema } =
    props;
  if (hidden) return <div hidden>{children}</div>;
  const Wrap = getTemplate('WrapIfAdditionalTemplate', props.registry, getUiOptions(props.uiSchema));
  const container = schema.type === 'object' || schema.type === 'array';
  const plainEntry = isEntryOfList(fieldPathId.path) && !container;
  // A container's error is its own (too few entries, say): its fields stay as they are.
  return (
    <Wrap {...props}>
      <FormGroup error={!container && (rawErrors?.length ?? 0) > 0} mb={plainEntry ? 0 : 'lg'} style={{ minWidth: 0 }}>
        {displayLabel && (
          <Label htmlFor={id} required={required} style={plainEntry ? VISUALLY_HIDDEN : undefined}>
            {label}
          </Label>
        )}
        {displayLabel && !plainEntry && description}
        {children}
        {errors}
        {help}
      </FormGroup>
    </Wrap>
  );
}

function TitleFieldTemplate({ id, title }: TitleFieldProps) {
  return (
    <Text as="legend" id={id} fontWeight="bold" mb="default" style={{ padding: 0 }}>
      {title}
    </Text>
  );
}

function DescriptionFieldTemplate({ id, description }: DescriptionFieldProps) {
  return description ? (
    <Text id={id} variant="sm" mb="default" color="grey80">
      {description}
    </Text>
  ) : null;
}

/** Its id is what the input's `aria-describedby` names, so a screen reader reads the error with the field. */
function FieldErrorTemplate({ errors = [], fieldPathId }: FieldErrorProps) {
  const shown = errors.filter(Boolean);
  if (shown.length === 0) return null;
  return (
    <FormMessage id={errorId(fieldPathId)}>
      {shown.map((error, i) => (
        <span key={i} style={{ display: 'block' }}>
          {error}
        </span>
      ))}
    </FormMessage>
  );
}

function BaseInputTemplate(props: BaseInputTemplateProps) {
  const {
    id,
    htmlName,
    value,
    readonly,
    disabled,
    autofocus,
    onBlur,
    onFocus,
    onChange,
    onChangeOverride,
    options,
    schema,
    type,
    rawErrors,
    placeholder,
    required,
  } = props;
  const inputProps = getInputProps(schema, type, options);
  const change = useCallback(
    ({ target }: React.ChangeEvent<HTMLInputElement>) => onChange(target.value === '' ? options.emptyValue : target.value),
    [onChange, options.emptyValue],
  );
  return (
    <Input
      id={id}
      name={htmlName || id}
      width={1}
      readOnly={readonly}
      disabled={disabled}
      autoFocus={autofocus}
      placeholder={placeholder}
      required={required}
      value={value ?? ''}
      {...inputProps}
      onChange={onChangeOverride || change}
      onBlur={({ target }: React.FocusEvent<HTMLInputElement>) => onBlur(id, target.value)}
      onFocus={({ target }: React.FocusEvent<HTMLInputElement>) => onFocus(id, target.value)}
      aria-invalid={(rawErrors?.length ?? 0) > 0 || undefined}
      aria-describedby={ariaDescribedByIds(id)}
    />
  );
}

/** An object: its properties, and for a map (`additionalProperties`) a button that adds a key. */
function ObjectFieldTemplate({
  title,
  description,
  properties,
  fieldPathId,
  registry,
  schema,
  uiSchema,
  formData,
  onAddProperty,
  disabled,
  readonly,
}: ObjectFieldTemplateProps) {
  const options = getUiOptions(uiSchema);
  const Title = getTemplate('TitleFieldTemplate', registry, options);
  const Description = getTemplate('DescriptionFieldTemplate', registry, options);
  // The form's own object is the module's settings, which the page names already.
  const root = fieldPathId.path.length === 0;
  return (
    <fieldset id={fieldPathId.$id} style={FIELDSET}>
      {title && !root && <Title id={titleId(fieldPathId)} title={title} schema={schema} registry={registry} />}
      {description && (
        <Description id={descriptionId(fieldPathId)} description={description} schema={schema} registry={registry} />
      )}
      {properties.filter((p) => !p.hidden).map((p) => p.content)}
      {canExpand(schema, uiSchema, formData) && (
        <Button type="button" size="sm" variant="outlined" mb="lg" onClick={onAddProperty} disabled={disabled || readonly}>
          <Icon icon="Plus" />
          Add to {root ? 'settings' : inSentence(title)}
        </Button>
      )}
    </fieldset>
  );
}

/** A list: its entries, then a button that adds one, named after what it adds ("Add keyword"). */
function ArrayFieldTemplate({
  title,
  items,
  canAdd,
  onAddClick,
  disabled,
  readonly,
  fieldPathId,
  registry,
  schema,
  uiSchema,
}: ArrayFieldTemplateProps) {
  const options = getUiOptions(uiSchema);
  const Title = getTemplate('TitleFieldTemplate', registry, options);
  const Description = getTemplate('DescriptionFieldTemplate', registry, options);
  const description = options.description ?? schema.description;
  return (
    <fieldset id={fieldPathId.$id} style={FIELDSET}>
      <Title id={titleId(fieldPathId)} title={options.title ?? title} schema={schema} registry={registry} />
      {description && (
        <Description id={descriptionId(fieldPathId)} description={description} schema={schema} registry={registry} />
      )}
      <Box flex flexDirection="column" style={{ gap: 8 }}>
        {items}
      </Box>
      {canAdd && (
        <Button type="button" size="sm" variant="outlined" mt="default" onClick={onAddClick} disabled={disabled || readonly}>
          <Icon icon="Plus" />
          Add {String(options.entryNoun ?? 'entry')}
        </Button>
      )}
    </fieldset>
  );
}

/**
 * An entry of a list: a plain value in one row with its buttons; an object framed, its buttons in
 * the frame's corner, beside its title, so that its fields keep the frame's whole width.
 */
function ArrayFieldItemTemplate({ children, buttonsProps, hasToolbar, schema }: ArrayFieldItemTemplateProps) {
  const block = schema.type === 'object' || schema.type === 'array';
  const buttons = hasToolbar && (
    <Box flex style={{ gap: 4, flexShrink: 0, ...(block ? { position: 'absolute', top: 8, right: 8 } : {}) }}>
      <ArrayFieldItemButtonsTemplate {...buttonsProps} />
    </Box>
  );
  if (block) {
    return (
      <Box
        data-testid="settings-entry"
        style={{ position: 'relative', border: '1px solid #dde1e6', borderRadius: 4, padding: 12, minWidth: 0 }}
      >
        {children}
        {buttons}
      </Box>
    );
  }
  return (
    <Box data-testid="settings-entry" flex alignItems="flex-start" style={{ gap: 8, minWidth: 0 }}>
      <Box style={{ flex: 1, minWidth: 0 }}>{children}</Box>
      {buttons}
    </Box>
  );
}

/**
 * Move and remove buttons whose accessible names say which entry they act on ("Remove practice
 * area 2"). A move that cannot be made keeps its place in the row, unseen.
 */
function ArrayFieldItemButtonsTemplate({
  hasMoveUp,
  hasMoveDown,
  hasRemove,
  onMoveUpItem,
  onMoveDownItem,
  onRemoveItem,
  disabled,
  readonly,
  uiSchema,
}: ArrayFieldItemButtonsTemplateProps) {
  const entry = inSentence(String(getUiOptions(uiSchema).title ?? 'entry'));
  const off = disabled || readonly;
  const button = (label: string, icon: string, onClick: (e?: unknown) => void, possible = true) => (
    <Button
      type="button"
      size="icon"
      variant="text"
      aria-label={label}
      title={label}
      onClick={onClick}
      disabled={off || !possible}
      style={possible ? undefined : { visibility: 'hidden' }}
    >
      <Icon icon={icon} />
    </Button>
  );
  return (
    <>
      {(hasMoveUp || hasMoveDown) && button(`Move ${entry} up`, 'ArrowUp', onMoveUpItem, hasMoveUp)}
      {(hasMoveUp || hasMoveDown) && button(`Move ${entry} down`, 'ArrowDown', onMoveDownItem, hasMoveDown)}
      {hasRemove && button(`Remove ${entry}`, 'Trash2', onRemoveItem)}
    </>
  );
}

/** A key of a map (`additionalProperties`): its name, its value and a button that removes it, each named after the key. */
function WrapIfAdditionalTemplate(props: WrapIfAdditionalTemplateProps) {
  const { id, label, children, schema, disabled, readonly, onKeyRenameBlur, onRemoveProperty } = props;
  if (!(ADDITIONAL_PROPERTY_FLAG in schema)) return <>{children}</>;
  return (
    <Box flex alignItems="flex-start" style={{ gap: 8, flexWrap: 'wrap', minWidth: 0 }}>
      <FormGroup style={{ flex: '1 1 120px', width: 'auto', minWidth: 0 }}>
        <Label htmlFor={`${id}-key`}>Name</Label>
        <Input id={`${id}-key`} width={1} defaultValue={label} onBlur={onKeyRenameBlur} disabled={disabled || readonly} />
      </FormGroup>
      <Box style={{ flex: '2 1 200px', minWidth: 0 }}>{children}</Box>
      <Button
        type="button"
        size="icon"
        variant="text"
        mt="xl"
        aria-label={`Remove ${label}`}
        title={`Remove ${label}`}
        onClick={onRemoveProperty}
        disabled={disabled || readonly}
      >
        <Icon icon="Trash2" />
      </Button>
    </Box>
  );
}

/** rjsf's templates in the admin's design system. */
export const settingsTemplates: FormProps['templates'] = {
  FieldTemplate,
  TitleFieldTemplate,
  DescriptionFieldTemplate,
  FieldErrorTemplate,
  BaseInputTemplate,
  ObjectFieldTemplate,
  ArrayFieldTemplate,
  ArrayFieldItemTemplate,
  ArrayFieldItemButtonsTemplate,
  WrapIfAdditionalTemplate,
};
