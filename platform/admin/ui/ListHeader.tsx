import React from 'react';
import { CheckBox, TableCell, TableHead, TableRow } from '@adminjs/design-system';
import { PropertyHeader, type RecordsTableHeaderProps } from 'adminjs';

/** A list's head row, as AdminJS draws it, with a checkbox that says it selects every row shown. */
const ListHeader: React.FC<RecordsTableHeaderProps> = ({
  titleProperty,
  properties,
  sortBy,
  direction,
  onSelectAll,
  selectedAll,
}) => {
  const resource = titleProperty.resourceId;
  return (
    <TableHead data-css={`${resource}-table-head`}>
      <TableRow data-css={`${resource}-table-head-row`}>
        <TableCell data-css={`${resource}-checkbox-table-cell`}>
          {onSelectAll ? (
            <CheckBox
              style={{ marginLeft: 5 }}
              aria-label="Select every row on this page"
              onChange={() => onSelectAll()}
              checked={Boolean(selectedAll)}
            />
          ) : null}
        </TableCell>
        {properties.map((property) => {
          const narrow = property.isTitle ? 'table-cell' : 'none';
          return (
            <PropertyHeader
              display={[narrow, narrow, 'table-cell', 'table-cell']}
              key={property.propertyPath}
              titleProperty={titleProperty}
              property={property}
              sortBy={sortBy}
              direction={direction}
            />
          );
        })}
        <TableCell key="actions" style={{ width: 80 }} />
      </TableRow>
    </TableHead>
  );
};

export default ListHeader;
