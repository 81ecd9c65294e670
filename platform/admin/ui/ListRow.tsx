import React, { useCallback, useEffect, useState } from 'react';
import { CheckBox, Placeholder, TableCell, TableRow } from '@adminjs/design-system';
import {
  BasePropertyComponent,
  buildActionClickHandler,
  useActionResponseHandler,
  useModal,
  useTranslation,
  type ActionJSON,
  type ActionResponse,
  type RecordJSON,
  type RecordInListProps,
} from 'adminjs';
import { useLocation, useNavigate } from 'react-router';
import { actionButtons } from './action-buttons';
import RowActions from './RowActions';

/** The row after an action answered with its record: as AdminJS merges it, with the answer's errors. */
const merged = (record: RecordJSON, answer: RecordJSON): RecordJSON => ({
  ...answer,
  errors: answer.errors,
  populated: { ...record.populated, ...answer.populated },
  params: { ...record.params, ...answer.params },
});

/** AdminJS's columns by width: on a phone only the title. */
const display = (isTitle: boolean) => {
  const narrow = isTitle ? 'table-cell' : 'none';
  return [narrow, narrow, 'table-cell', 'table-cell'];
};

/**
 * A row of a list, as AdminJS draws it, with a checkbox that says which record it selects and
 * actions the keyboard opens (see RowActions). Clicking the row opens the record, as before.
 */
const ListRow: React.FC<RecordInListProps> = (props) => {
  const { resource, record: given, actionPerformed, isLoading, onSelect, isSelected } = props;
  const [record, setRecord] = useState(given);
  const navigate = useNavigate();
  const location = useLocation();
  const translations = useTranslation();
  const modalFunctions = useModal();
  useEffect(() => setRecord(given), [given]);
  const handled = useCallback(
    (response: ActionResponse) => {
      if (response.record && !response.redirectUrl) setRecord(merged(record, response.record));
      else actionPerformed?.(response);
    },
    [actionPerformed, record],
  );
  const actionResponseHandler = useActionResponseHandler(handled);
  const params = { resourceId: resource.id, recordId: record.id };
  const run = (event: React.MouseEvent, action: ActionJSON) =>
    buildActionClickHandler({
      action,
      params,
      actionResponseHandler,
      navigate,
      location,
      translateFunctions: translations,
      modalFunctions,
    })(event);
  const open = record.recordActions.find((a) => a.name === 'show') ?? record.recordActions.find((a) => a.name === 'edit');
  const openRow = (event: React.MouseEvent) => {
    const tag = (event.target as HTMLElement).closest('a, button, input, label');
    if (open && !tag) run(event, open);
  };

  return (
    <TableRow
      className={isSelected ? 'selected' : 'not-selected'}
      onClick={openRow}
      data-id={record.id}
      data-css={`${resource.id}-table-row`}
    >
      <TableCell width={0}>
        {onSelect && record.bulkActions.length ? (
          <CheckBox aria-label={`Select ${record.title}`} checked={Boolean(isSelected)} onChange={() => onSelect(record)} />
        ) : null}
      </TableCell>
      {resource.listProperties.map((property) => (
        <TableCell
          style={{ cursor: 'pointer' }}
          key={property.propertyPath}
          data-property-name={property.propertyPath}
          display={display(property.isTitle)}
          data-css={`${resource.id}-${property.name}-table-cell`}
        >
          {isLoading ? (
            <Placeholder style={{ height: 14 }} />
          ) : (
            <BasePropertyComponent where="list" property={property} resource={resource} record={record} />
          )}
        </TableCell>
      ))}
      <TableCell key="options" className="options">
        {record.recordActions.length ? (
          <RowActions
            title={record.title}
            actions={actionButtons(record.recordActions, params, (a) => translations.translateAction(a.label, resource.id), run)}
          />
        ) : null}
      </TableCell>
    </TableRow>
  );
};

export default ListRow;
