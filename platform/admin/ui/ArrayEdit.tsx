import React from 'react';
import { Box, Button, FormGroup, FormMessage, Icon, Section } from '@adminjs/design-system';
import { flat, PropertyLabel, useTranslation, type EditPropertyProps, type PropertyJSON } from 'adminjs';

type Props = EditPropertyProps & {
  ItemComponent: React.ComponentType<EditPropertyProps>;
  OriginalComponent: React.ComponentType<EditPropertyProps>;
};

/**
 * A list field of an edit form (a contact's emails and phones), as AdminJS draws it, with a name
 * on each remove button ("Remove Emails 2"), where AdminJS's shows only a bin. A list whose items
 * are dragged into order keeps AdminJS's own editor.
 */
const ArrayEdit: React.FC<Props> = (props) => {
  const { property, record, resource, onChange, ItemComponent, OriginalComponent } = props;
  const { tm, translateProperty, translateButton } = useTranslation();
  if (property.isDraggable || !record || !onChange) return <OriginalComponent {...props} />;
  const items: unknown[] = flat.get(record.params, property.path) ?? [];
  const label = translateProperty(property.label, property.resourceId);
  const error = record.errors?.[property.propertyPath];
  const set = (next: unknown[]) => onChange(property.path, next);
  const item = (index: number): PropertyJSON => ({
    ...property,
    path: `${property.path}${flat.DELIMITER}${index}`,
    label: `[${index + 1}]`,
    isArray: false,
    isDraggable: false,
  });
  return (
    <FormGroup error={Boolean(error)}>
      <PropertyLabel property={property} />
      <Section mt="xl" className={property.path}>
        {items.map((_, index) => (
          <Box key={index} flex flexDirection="row" alignItems="start" data-testid={property.path}>
            <Box flexGrow={1}>
              <ItemComponent {...props} property={item(index)} />
            </Box>
            <Button
              rounded
              mt="xl"
              ml="default"
              data-testid="delete-item"
              type="button"
              size="icon"
              variant="text"
              color="danger"
              aria-label={`Remove ${label} ${index + 1}`}
              onClick={() => set(items.filter((__, i) => i !== index))}
            >
              <Icon icon="Trash2" />
            </Button>
          </Box>
        ))}
        <Button
          type="button"
          variant="outlined"
          data-testid={`${property.path}-add`}
          onClick={() => set([...items, property.subProperties.length ? {} : ''])}
        >
          <Icon icon="Plus" />
          {translateProperty(`${property.path}.addNewItem`, resource.id, {
            defaultValue: translateButton('addNewItem', resource.id),
          })}
        </Button>
      </Section>
      <FormMessage>{error && tm(error.message, property.resourceId)}</FormMessage>
    </FormGroup>
  );
};

export default ArrayEdit;
