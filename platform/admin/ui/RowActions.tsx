import React, { useRef, useState } from 'react';
import { Box, Button, Icon } from '@adminjs/design-system';
import type { ActionButton } from './action-buttons';

/**
 * A row's actions behind one "…" button, as in AdminJS, but one the keyboard opens (AdminJS's
 * opens on hover only): Enter shows the actions as links and buttons, Escape or leaving them
 * closes them again.
 */
const RowActions: React.FC<{ title: string; actions: ActionButton[] }> = ({ title, actions }) => {
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const close = () => {
    setOpen(false);
    // AdminJS's Button passes no ref on: the toggle is the box's first button.
    box.current?.querySelector('button')?.focus();
  };
  return (
    <Box
      ref={box}
      position="relative"
      display="inline-block"
      onKeyDown={(event: React.KeyboardEvent) => event.key === 'Escape' && open && close()}
      onBlur={(event: React.FocusEvent) => !box.current?.contains(event.relatedTarget) && setOpen(false)}
    >
      <Button
        type="button"
        variant="text"
        size="icon"
        rounded
        aria-label={`Actions for ${title}`}
        aria-expanded={open}
        data-testid="actions-dropdown"
        onClick={() => setOpen(!open)}
      >
        <Icon icon="MoreHorizontal" />
      </Button>
      {open && (
        <Box
          as="ul"
          position="absolute"
          bg="container"
          boxShadow="card"
          py="sm"
          style={{ right: 0, top: '100%', zIndex: 40, minWidth: 160 }}
        >
          {actions.map(({ source, label, icon, href, onClick, ...rest }) => (
            <li key={source.name}>
              <Button
                {...rest}
                as={href ? 'a' : 'button'}
                href={href}
                variant="text"
                color={source.variant === 'danger' ? 'danger' : undefined}
                style={{ display: 'block', width: '100%', textAlign: 'left', whiteSpace: 'nowrap' }}
                onClick={(event: React.MouseEvent) => {
                  setOpen(false);
                  onClick(event, source);
                }}
              >
                {icon && <Icon icon={icon} />}
                {label}
              </Button>
            </li>
          ))}
        </Box>
      )}
    </Box>
  );
};

export default RowActions;
