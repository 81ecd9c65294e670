import React, { useEffect } from 'react';
import { Box } from '@adminjs/design-system';
import { RecordsTable, useQueryParams, useRecords, useSelectedRecords, type ActionProps } from 'adminjs';
import { useLocation } from 'react-router';
import Pages from './Pages';

/** The URL parameter AdminJS adds after an action, to drop the selection. */
const REFRESH = 'refresh';

/**
 * A resource's list, as AdminJS's own (the records, the selection kept in the URL), with pages
 * whose buttons have names (see Pages).
 */
const RecordList: React.FC<ActionProps> = ({ resource, setTag }) => {
  const { records, loading, direction, sortBy, page, total, fetchData, perPage } = useRecords(resource.id);
  const { selectedRecords, handleSelect, handleSelectAll, setSelectedRecords } = useSelectedRecords(records);
  const location = useLocation();
  const { storeParams } = useQueryParams();
  useEffect(() => setTag?.(total.toString()), [total]);
  useEffect(() => setSelectedRecords([]), [resource.id]);
  useEffect(() => {
    const search = new URLSearchParams(location.search);
    if (search.get(REFRESH)) return setSelectedRecords([]);
    const ids = search.get('recordIds')?.split(',') ?? [];
    setSelectedRecords(records.filter((r) => ids.includes(r.id.toString())));
  }, [location.search, records]);
  return (
    <Box variant="container" data-css={`${resource.id}-list-table-wrapper`}>
      <RecordsTable
        resource={resource}
        records={records}
        actionPerformed={() => fetchData()}
        onSelect={handleSelect}
        onSelectAll={handleSelectAll}
        selectedRecords={selectedRecords}
        direction={direction}
        sortBy={sortBy}
        isLoading={loading}
      />
      <Box mt="xl">
        <Pages page={page} perPage={perPage} total={total} onChange={(n) => storeParams({ page: n.toString() })} />
      </Box>
    </Box>
  );
};

export default RecordList;
