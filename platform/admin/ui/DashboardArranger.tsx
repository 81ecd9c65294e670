import React, { useState } from 'react';
import { Box, Button, Label, Text } from '@adminjs/design-system';
import type { DeclaredWidget, Json, ShownWidget } from '../studio/shapes';
import { studio } from './api';
import OrderButtons from './OrderButtons';

const KIND_WORDS: Record<DeclaredWidget['kind'], string> = { count: 'count', recent: 'newest rows', per_day: 'per day' };

/** The declared part of a shown widget: what is saved, without what was computed for showing it. */
const declared = ({ kind, title, resource, event, series, days }: Json<ShownWidget>): DeclaredWidget => ({
  kind,
  title,
  ...(resource && { resource }),
  ...(event && { event }),
  // Shown series are the declared ones with their counts, so never an empty list.
  ...(series && { series: series.map(({ label, events }) => ({ label, events })) as DeclaredWidget['series'] }),
  ...(typeof days === 'number' && { days }),
});

/**
 * Choosing and ordering the dashboard's widgets: move, remove, add one of the choices; saved as
 * this workspace's own arrangement, or dropped to show its parent's or the declared widgets again.
 */
const DashboardArranger: React.FC<{
  widgets: Json<ShownWidget>[];
  choices: DeclaredWidget[];
  arranged: 'own' | 'inherited' | null;
  onDone: () => void;
}> = ({ widgets, choices, arranged, onDone }) => {
  const [list, setList] = useState<DeclaredWidget[]>(() => widgets.map(declared));
  const [adding, setAdding] = useState('0');
  const [problem, setProblem] = useState<string | null>(null);
  const move = (i: number, by: number) => {
    const next = [...list];
    const [w] = next.splice(i, 1);
    if (!w) return;
    next.splice(i + by, 0, w);
    setList(next);
  };
  const save = async () => {
    try {
      await studio('dashboard', 'PUT', { widgets: list });
      onDone();
    } catch (err) {
      setProblem((err as Error).message);
    }
  };
  const reset = async () => {
    if (!window.confirm("Drop this workspace's own arrangement and show the default widgets again?")) return;
    try {
      await studio('dashboard', 'DELETE');
      onDone();
    } catch (err) {
      setProblem((err as Error).message);
    }
  };
  return (
    <Box variant="white" mb="xl" data-testid="dashboard-arranger" style={{ maxWidth: 720 }}>
      <Text as="h3" fontWeight="bold" mb="default">
        Arrange widgets
      </Text>
      {arranged === 'inherited' && <Text mb="default">This workspace shows the arrangement of the workspace it belongs to.</Text>}
      <ol style={{ paddingLeft: 20, margin: '0 0 16px' }}>
        {list.map((w, i) => (
          <li key={`${i}-${w.title}`} data-testid="arranged-widget" style={{ marginBottom: 8 }}>
            <Box flex style={{ gap: 8, flexWrap: 'wrap', alignItems: 'center' }}>
              <Text style={{ flex: '1 1 200px' }}>
                {w.title} <span style={{ color: '#4a4a5a' }}>({KIND_WORDS[w.kind]})</span>
              </Text>
              <OrderButtons
                name={w.title}
                index={i}
                count={list.length}
                move={move}
                remove={(at) => setList(list.filter((_, j) => j !== at))}
              />
            </Box>
          </li>
        ))}
      </ol>
      {list.length === 0 && <Text mb="default">No widgets: the dashboard will be empty.</Text>}
      <Box flex style={{ gap: 8, flexWrap: 'wrap', alignItems: 'flex-end' }} mb="lg">
        <Box style={{ flex: '1 1 240px', minWidth: 0 }}>
          <Label htmlFor="add-widget">Add a widget</Label>
          <select
            id="add-widget"
            value={adding}
            onChange={(e) => setAdding(e.target.value)}
            style={{ width: '100%', font: 'inherit', padding: 8 }}
          >
            {choices.map((c, i) => (
              <option key={i} value={String(i)}>
                {c.title} ({KIND_WORDS[c.kind]})
              </option>
            ))}
          </select>
        </Box>
        <Button
          type="button"
          size="sm"
          onClick={() => {
            const choice = choices[Number(adding)];
            if (choice) setList([...list, choice]);
          }}
          data-testid="add-widget"
        >
          Add
        </Button>
      </Box>
      <Box flex style={{ gap: 8, flexWrap: 'wrap', alignItems: 'center' }}>
        <Button type="button" size="sm" variant="contained" onClick={save} data-testid="save-dashboard">
          Save arrangement
        </Button>
        <Button type="button" size="sm" variant="text" onClick={onDone}>
          Cancel
        </Button>
        {arranged === 'own' && (
          <Button type="button" size="sm" variant="text" onClick={reset} data-testid="reset-dashboard">
            Back to the default widgets
          </Button>
        )}
        {problem && (
          <Text color="error" role="alert">
            {problem}
          </Text>
        )}
      </Box>
    </Box>
  );
};

export default DashboardArranger;
