import React from 'react';
import { Button } from '@adminjs/design-system';

/** Up, Down and Remove for one entry of an ordered list (a form's fields, the dashboard's widgets), each named after it. */
const OrderButtons: React.FC<{
  name: string;
  index: number;
  count: number;
  move: (index: number, by: number) => void;
  remove: (index: number) => void;
}> = ({ name, index, count, move, remove }) => (
  <>
    <Button
      type="button"
      size="sm"
      variant="text"
      disabled={index === 0}
      onClick={() => move(index, -1)}
      aria-label={`Move ${name} up`}
    >
      Up
    </Button>
    <Button
      type="button"
      size="sm"
      variant="text"
      disabled={index === count - 1}
      onClick={() => move(index, 1)}
      aria-label={`Move ${name} down`}
    >
      Down
    </Button>
    <Button type="button" size="sm" variant="text" onClick={() => remove(index)} aria-label={`Remove ${name}`}>
      Remove
    </Button>
  </>
);

export default OrderButtons;
