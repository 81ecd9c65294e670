import React from 'react';
import { Badge, Box, ButtonGroup, cssClass, H2 } from '@adminjs/design-system';
import {
  Breadcrumbs,
  buildActionClickHandler,
  useActionResponseHandler,
  useFilterDrawer,
  useModal,
  useTranslation,
  type ActionHeaderProps,
  type ActionJSON,
} from 'adminjs';
import { useLocation, useNavigate } from 'react-router';
import { actionButtons } from './action-buttons';

type Props = ActionHeaderProps & { OriginalComponent: React.ComponentType<ActionHeaderProps> };

/**
 * A page's title with its actions and the list's Filter, as AdminJS's ActionHeader lays them out,
 * with every button one the keyboard reaches: AdminJS draws Filter and Delete as links with no
 * address, which Tab skips. The Filter button says whether the drawer is open, and names it.
 * An action shown in a drawer keeps AdminJS's own header.
 */
const ActionBar: React.FC<Props> = (props) => {
  const { resource, actionPerformed, record, action, tag, omitActions, toggleFilter: filterable, OriginalComponent } = props;
  const translations = useTranslation();
  const navigate = useNavigate();
  const location = useLocation();
  const actionResponseHandler = useActionResponseHandler(actionPerformed);
  const modalFunctions = useModal();
  const { toggleFilter, filtersCount, isVisible } = useFilterDrawer();
  if (action.showInDrawer) return <OriginalComponent {...props} />;
  if (action.hideActionHeader) return null;

  const resourceId = resource.id;
  const params = { resourceId, recordId: record?.id };
  const label = (a: ActionJSON) => translations.translateAction(a.label, resourceId);
  const onClick = (event: React.MouseEvent, source: ActionJSON) =>
    buildActionClickHandler({
      action: source,
      params,
      actionResponseHandler,
      navigate,
      location,
      translateFunctions: translations,
      modalFunctions,
    })(event);
  const buttons: object[] = actionButtons(
    record
      ? record.recordActions.filter((a) => a.name !== action.name)
      : resource.resourceActions.filter((a) => a.name === 'new' && a.name !== action.name),
    params,
    label,
    onClick,
  );
  if (filterable) {
    buttons.push({
      as: 'button',
      type: 'button',
      label: translations.translateButton(filtersCount > 0 ? 'filterActive' : 'filter', resourceId, { count: filtersCount }),
      onClick: toggleFilter,
      icon: 'Filter',
      'aria-expanded': isVisible,
      'aria-controls': FILTER_DRAWER_ID,
      'data-css': `${resourceId}-filter-button`,
    });
  }
  const resourceButtons = actionButtons(
    action.showResourceActions ? resource.resourceActions.filter((a) => !['list', 'new'].includes(a.name)) : [],
    { resourceId },
    label,
    onClick,
  );

  return (
    <Box className={cssClass('ActionHeader')} data-css={`${resourceId}-${action.name}-action-header`}>
      <Box flex flexDirection="row" px={['default', 0]}>
        <Breadcrumbs resource={resource} actionName={action.name} record={record} />
        <Box flexShrink={0}>
          <ButtonGroup size="sm" rounded buttons={resourceButtons as never} />
        </Box>
      </Box>
      <Box display={['block', 'flex']}>
        <Box mt="lg" flexGrow={1} px={['default', 0]}>
          <H2 mb="lg">
            {label(action)}
            {tag ? (
              <Badge variant="default" outline ml="default">
                {tag}
              </Badge>
            ) : null}
          </H2>
        </Box>
        {!omitActions && (
          <Box mt={['default', 'xl']} mb="default" px={['default', 0]} flexShrink={0}>
            <ButtonGroup buttons={buttons as never} />
          </Box>
        )}
      </Box>
    </Box>
  );
};

/** The filter drawer's id, which the Filter button controls (FilterPanel.tsx). */
export const FILTER_DRAWER_ID = 'filter-drawer';

export default ActionBar;
