import React from 'react';
import { FormGroup, Input, Select } from '@adminjs/design-system';
import { PropertyLabel, useTranslation, type FilterPropertyProps } from 'adminjs';

/**
 * A filter field as AdminJS draws it, joined to its label: AdminJS's label points at
 * `filter-<path>`, an id its input never had, so a screen reader read the field unnamed.
 */
const FilterField: React.FC<FilterPropertyProps> = ({ property, onChange, filter }) => {
  const { tl } = useTranslation();
  const id = `filter-${property.path}`;
  const value = (filter[property.path] as string | undefined) ?? '';
  let field: React.ReactNode;
  if (property.availableValues) {
    const options = property.availableValues.map((v) => ({
      ...v,
      label: tl(`${property.path}.${v.value}`, property.resourceId, { defaultValue: v.label ?? v.value }),
    }));
    field = (
      <Select
        variant="filter"
        inputId={id}
        value={options.find((o) => o.value === value) ?? ''}
        isClearable
        options={options}
        onChange={(selected: { value: string } | null) => onChange(property.path, selected ? selected.value : '')}
      />
    );
  } else {
    field = (
      <Input
        id={id}
        name={id}
        value={value}
        onChange={(e: React.ChangeEvent<HTMLInputElement>) => onChange(property.path, e.target.value)}
      />
    );
  }
  return (
    <FormGroup variant="filter">
      <PropertyLabel property={property} filter />
      {field}
    </FormGroup>
  );
};

export default FilterField;
