import React from 'react';
import { Badge } from '@adminjs/design-system';
import { useTranslation, type ShowPropertyProps } from 'adminjs';

/** "not_started" → "Not Started", as AdminJS words a value that has no label. */
const words = (value: string) =>
  value
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');

/**
 * A value as AdminJS shows it, with two repairs. A value of a closed set (a contact's status) is
 * AdminJS's grey badge with dark text on it (its white on that grey reads at 1.8:1). An object (a
 * contact's metadata, `{}` when empty) is its entries in words, where AdminJS handed the object
 * to React, which drew a "Javascript Error" box as wide as its message in its place.
 */
const PropertyValue: React.FC<ShowPropertyProps & { OriginalComponent: React.ComponentType<ShowPropertyProps> }> = (props) => {
  const { property, record, resource, OriginalComponent } = props;
  const { tl } = useTranslation();
  const raw = record?.params[property.path];
  if (raw !== null && typeof raw === 'object')
    return (
      <span>
        {Object.entries(raw)
          .map(([key, value]) => `${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
          .join(', ')}
      </span>
    );
  const option = raw === undefined ? undefined : property.availableValues?.find((o) => String(o.value) === String(raw));
  if (!option) return <OriginalComponent {...props} />;
  const label = option.label || String(raw);
  return <Badge color="grey100">{tl(`${property.propertyPath}.${label}`, resource.id, { defaultValue: words(label) })}</Badge>;
};

export default PropertyValue;
