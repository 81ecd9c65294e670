import React from 'react';
import { DatePicker, FormGroup, Label } from '@adminjs/design-system';
import { PropertyLabel, useTranslation, type FilterPropertyProps } from 'adminjs';

/** How AdminJS's filter names the two ends of a range (`createdAt~~from`). */
const SEPARATOR = '~~';

/** A date filter's range as AdminJS draws it, with "From" and "To" each the label of its field. */
const DateRangeFilter: React.FC<FilterPropertyProps> = ({ property, filter, onChange }) => {
  const { translateProperty } = useTranslation();
  const end = (which: 'from' | 'to', first: boolean) => {
    const key = `${property.path}${SEPARATOR}${which}`;
    const id = `filter-${property.path}-${which}`;
    return (
      <React.Fragment key={which}>
        <Label htmlFor={id} mt={first ? undefined : 'default'}>{`- ${translateProperty(which)}: `}</Label>
        <DatePicker
          id={id}
          value={filter[key] as string | undefined}
          onChange={(date: string | null) => onChange(key, date)}
          propertyType={property.type}
        />
      </React.Fragment>
    );
  };
  return (
    <FormGroup variant="filter">
      <PropertyLabel property={property} filter />
      {end('from', true)}
      {end('to', false)}
    </FormGroup>
  );
};

export default DateRangeFilter;
