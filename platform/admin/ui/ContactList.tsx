import React, { useEffect, useState } from 'react';
import { Box, Button, Input, Label } from '@adminjs/design-system';
import { List, useQueryParams, type ActionProps } from 'adminjs';

/** The filter the server reads the search from (`filters.search`, SEARCH_FILTER). */
const SEARCH = 'search';

/**
 * The contacts list with one search box at its top: part of a name, an organisation, an email or
 * a phone however it is written. The search is a filter of the page's URL, as the filter drawer's
 * are, so it keeps the list's other filters and the back button undoes it.
 */
const ContactList: React.FC<ActionProps> = (props) => {
  const { filters, storeParams } = useQueryParams();
  const current = String((filters as Record<string, unknown> | undefined)?.[SEARCH] ?? '');
  const [text, setText] = useState(current);
  useEffect(() => setText(current), [current]);

  const search = (event: React.FormEvent) => {
    event.preventDefault();
    const { [SEARCH]: _previous, ...others } = filters ?? {};
    const wanted = text.trim();
    storeParams({ filters: wanted ? { ...others, [SEARCH]: wanted } : others, page: '1' });
  };

  return (
    <Box>
      <Box as="form" role="search" onSubmit={search} variant="container" mb="lg" flex flexDirection="column">
        <Label htmlFor="contact-search">Search contacts</Label>
        <Box flex style={{ gap: 8 }}>
          <Input
            id="contact-search"
            type="search"
            name="search"
            value={text}
            onChange={(event: React.ChangeEvent<HTMLInputElement>) => setText(event.target.value)}
            placeholder="Name, organisation, email or phone"
            aria-describedby="contact-search-help"
            style={{ flexGrow: 1 }}
          />
          <Button type="submit" variant="contained">
            Search
          </Button>
        </Box>
        <Box id="contact-search-help" mt="sm" style={{ fontSize: 12 }}>
          Part of a name or email is enough; a phone is found however it is written.
        </Box>
      </Box>
      <List {...props} />
    </Box>
  );
};

export default ContactList;
