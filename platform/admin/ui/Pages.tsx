import React from 'react';
import { Box, Button, Icon } from '@adminjs/design-system';

interface Props {
  page: number;
  perPage: number;
  total: number;
  onChange: (page: number) => void;
}

/** How many page numbers show around the current one. */
const AROUND = 2;

/**
 * A list's pages, in place of AdminJS's Pagination, whose first, previous, next and last buttons
 * are icons with no name: each button here says which page it goes to, and the current page is
 * marked as such.
 */
const Pages: React.FC<Props> = ({ page, perPage, total, onChange }) => {
  const last = Math.max(1, Math.ceil(total / perPage));
  if (last === 1) return null;
  const current = Math.min(Math.max(1, page), last);
  const from = Math.max(1, Math.min(current - AROUND, last - 2 * AROUND));
  const to = Math.min(last, from + 2 * AROUND);
  const numbers = Array.from({ length: to - from + 1 }, (_, i) => from + i);
  const step = (target: number, label: string, icon: string) => (
    <Button
      type="button"
      variant="text"
      size="icon"
      aria-label={label}
      disabled={target === current}
      onClick={() => onChange(target)}
      data-testid={icon}
    >
      <Icon icon={icon} />
    </Button>
  );
  return (
    <Box as="nav" aria-label="Pages" flex justifyContent="center" flexWrap="wrap" style={{ gap: 4 }}>
      {step(1, 'First page', 'SkipBack')}
      {step(Math.max(1, current - 1), 'Previous page', 'ChevronLeft')}
      {numbers.map((n) => (
        <Button
          key={n}
          type="button"
          size="icon"
          variant={n === current ? 'contained' : 'text'}
          aria-label={`Page ${n}`}
          aria-current={n === current ? 'page' : undefined}
          onClick={() => onChange(n)}
          data-testid={`page-${n}`}
        >
          {n}
        </Button>
      ))}
      {step(Math.min(last, current + 1), 'Next page', 'ChevronRight')}
      {step(last, `Last page (${last})`, 'SkipForward')}
    </Box>
  );
};

export default Pages;
