import React from 'react';
import { FormGroup, FormMessage, Select } from '@adminjs/design-system';
import { PropertyLabel, useTranslation, type EditPropertyProps } from 'adminjs';

type Props = EditPropertyProps & { OriginalComponent: React.ComponentType<EditPropertyProps> };

/**
 * A field of an edit form. A closed set of values (a select) is joined to its label, which
 * AdminJS's select is not; every other field is AdminJS's own, whose input carries the label's id.
 */
const EditField: React.FC<Props> = (props) => {
  const { property, record, onChange, OriginalComponent } = props;
  const { tl, tm } = useTranslation();
  if (!property.availableValues) return <OriginalComponent {...props} />;
  const error = record?.errors?.[property.path];
  const current = record?.params?.[property.path] ?? property.props?.value ?? '';
  const options = property.availableValues.map((v) => ({
    ...v,
    label: tl(`${property.path}.${v.value}`, property.resourceId, { defaultValue: v.label ?? v.value }),
  }));
  return (
    <FormGroup error={Boolean(error)}>
      <PropertyLabel property={property} />
      <Select
        inputId={property.path}
        value={options.find((o) => String(o.value) === String(current))}
        options={options}
        onChange={(selected: { value: string } | null) => onChange?.(property.path, selected?.value ?? '')}
        isDisabled={property.isDisabled}
        {...property.props}
      />
      <FormMessage>{error && tm(error.message, property.resourceId)}</FormMessage>
    </FormGroup>
  );
};

export default EditField;
