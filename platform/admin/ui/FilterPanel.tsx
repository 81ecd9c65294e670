import React, { useEffect, useRef, useState } from 'react';
import { Box, Button, Drawer, DrawerContent, DrawerFooter, H3, Icon } from '@adminjs/design-system';
import { BasePropertyComponent, useFilterDrawer, useQueryParams, useTranslation, type ResourceJSON } from 'adminjs';
import { useParams } from 'react-router-dom';
import { FILTER_DRAWER_ID } from './ActionBar';

type Filter = Record<string, unknown>;

/** What the filter form holds, less the fields left empty. */
const given = (filter: Filter): Filter =>
  Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== undefined && value !== null));

/**
 * The list's filter drawer, as AdminJS draws it, except that while it is closed it is inert, not
 * only moved off the screen: Tab no longer walks through its fields, nor a screen reader reads
 * them. Opening it puts the focus in it, closing it puts the focus back on the Filter button, and
 * its close button has a name.
 */
const FilterPanel: React.FC<{ resource: ResourceJSON }> = ({ resource }) => {
  const [filter, setFilter] = useState<Filter>({});
  const params = useParams();
  const { translateButton, translateLabel } = useTranslation();
  const { isVisible, toggleFilter } = useFilterDrawer();
  const { storeParams, clearParams, filters } = useQueryParams();
  const firstLoad = useRef(true);
  const wasVisible = useRef(isVisible);

  useEffect(() => {
    if (firstLoad.current) firstLoad.current = false;
    else setFilter({});
  }, [params.resourceId]);
  useEffect(() => {
    if (filters) setFilter(filters);
  }, [filters]);
  useEffect(() => {
    const returning = !isVisible && wasVisible.current;
    wasVisible.current = isVisible;
    // AdminJS's Button passes no ref on: the buttons are found by their place.
    if (isVisible) document.querySelector<HTMLElement>(`#${FILTER_DRAWER_ID} button`)?.focus();
    else if (returning) document.querySelector<HTMLElement>(`[aria-controls="${FILTER_DRAWER_ID}"]`)?.focus();
  }, [isVisible]);

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    storeParams({ filters: given(filter), page: '1' });
  };
  const reset = (event: React.SyntheticEvent) => {
    event.preventDefault();
    clearParams('filters');
    setFilter({});
  };
  const change = (name: string, value: unknown) =>
    setFilter({ ...filter, [name]: typeof value === 'string' && !value.length ? undefined : value });

  const css = (part: string) => `${resource.id}-${part}`;
  const title = translateLabel('filters', resource.id);
  return (
    <Drawer
      id={FILTER_DRAWER_ID}
      variant="filter"
      isHidden={!isVisible}
      as="form"
      aria-label={title}
      onSubmit={submit}
      onReset={reset}
      data-css={css('filter-drawer')}
      // Inert while closed: moved off the screen, it would still take the focus and be read out.
      {...(isVisible ? {} : { inert: '' })}
    >
      <DrawerContent data-css={css('filter-drawer-content')}>
        <Box flex justifyContent="space-between">
          <H3>{title}</H3>
          <Button
            type="button"
            variant="light"
            size="icon"
            rounded
            color="text"
            onClick={toggleFilter}
            aria-label={`Close ${title.toLowerCase()}`}
          >
            <Icon icon="X" />
          </Button>
        </Box>
        <Box my="x3">
          {resource.filterProperties.map((property) => (
            <BasePropertyComponent
              key={property.propertyPath}
              where="filter"
              onChange={change as never}
              property={property}
              filter={filter}
              resource={resource}
            />
          ))}
        </Box>
      </DrawerContent>
      <DrawerFooter data-css={css('filter-drawer-footer')}>
        <Button type="button" variant="light" onClick={reset} data-css={css('filter-drawer-button-reset')}>
          {translateButton('resetFilter', resource.id)}
        </Button>
        <Button type="submit" variant="contained" data-css={css('filter-drawer-button-apply')}>
          {translateButton('applyChanges', resource.id)}
        </Button>
      </DrawerFooter>
    </Drawer>
  );
};

export default FilterPanel;
