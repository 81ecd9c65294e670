import type React from 'react';
import { actionHref, buildActionTestId, type ActionJSON } from 'adminjs';

/** One action as a ButtonGroup entry the keyboard reaches. */
export interface ActionButton {
  icon?: string;
  label: string;
  variant?: string;
  href?: string;
  as?: 'button';
  type?: 'button';
  source: ActionJSON;
  onClick: (event: React.MouseEvent, source: ActionJSON) => void;
  'data-testid': string;
  'data-css': string;
}

/**
 * Actions as buttons, as AdminJS's own `actionsToButtonGroup` makes them, except that an action
 * without a page of its own (a delete, which asks and then calls the API) is a real `<button>`:
 * AdminJS renders it as an `<a>` with no `href`, which no keyboard reaches.
 */
export function actionButtons(
  actions: ActionJSON[],
  params: { resourceId: string; recordId?: string },
  label: (action: ActionJSON) => string,
  onClick: (event: React.MouseEvent, source: ActionJSON) => void,
): ActionButton[] {
  return actions.map((action) => {
    const href = actionHref(action, params) ?? undefined;
    return {
      icon: action.icon,
      label: label(action),
      variant: action.variant,
      source: action,
      href,
      ...(!href && { as: 'button' as const, type: 'button' as const }),
      onClick,
      'data-testid': buildActionTestId(action),
      'data-css': `${action.resourceId}-${action.name}-button`,
    };
  });
}
