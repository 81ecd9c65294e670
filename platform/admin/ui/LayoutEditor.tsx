import React, { useEffect, useMemo, useState } from 'react';
import {
  Box,
  Button,
  H2,
  H4,
  Input,
  Label,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Text,
} from '@adminjs/design-system';
import type { LayoutDefinition, LayoutResource } from '../studio/shapes';
import { confirmReach, studio, useStudio } from './api';
import { cellText } from './cell-text';
import Notice, { useActions } from './Notice';

type Screen = 'list' | 'show' | 'edit' | 'filter';

const SCREENS: { id: Screen; label: string }[] = [
  { id: 'list', label: 'List columns' },
  { id: 'show', label: 'Record page' },
  { id: 'edit', label: 'Edit form' },
  { id: 'filter', label: 'Filters' },
];

/** What a screen shows when no layout names its properties: AdminJS's own choice, approximated. */
const fallback = (resource: LayoutResource, screen: Screen): string[] =>
  screen === 'list' ? resource.properties.slice(0, 6) : resource.properties;

/**
 * The layout editor: pick a resource and a screen, choose and order its fields, name them,
 * preview with real rows, publish (checked by the server against the layout schema).
 */
/** A preview cell's text wraps (AdminJS's cells do not), so the preview fits a phone. */
const WRAP: React.CSSProperties = { whiteSpace: 'normal' };

const LayoutEditor: React.FC = () => {
  const { data: resources, error, reload } = useStudio<LayoutResource[]>('layouts');
  const [resourceId, setResourceId] = useState<string>('');
  const [screen, setScreen] = useState<Screen>('list');
  const [chosen, setChosen] = useState<string[]>([]);
  const [labels, setLabels] = useState<Record<string, string>>({});
  const [sample, setSample] = useState<Record<string, unknown>[]>([]);
  const { notice, clear, run } = useActions(reload);

  const resource = useMemo(() => resources?.find((r) => r.id === resourceId) ?? resources?.[0], [resources, resourceId]);

  useEffect(() => {
    if (!resource) return;
    const applied = resource.own?.[screen] ?? resource.layout?.[screen];
    setChosen(applied ?? fallback(resource, screen));
    setLabels({ ...resource.layout?.labels, ...resource.own?.labels });
  }, [resource, screen]);

  useEffect(() => {
    if (!resource) return;
    studio<Record<string, unknown>[]>(`layouts/${encodeURIComponent(resource.id)}/sample`)
      .then(setSample)
      .catch(() => setSample([]));
  }, [resource]);

  if (error) return <Notice notice={{ variant: 'danger', message: error }} onClose={reload} />;
  if (!resources || !resource) return <Text>Loading…</Text>;

  const move = (index: number, by: number) => {
    const next = [...chosen];
    const [item] = next.splice(index, 1);
    if (item === undefined) return;
    next.splice(Math.max(0, Math.min(next.length, index + by)), 0, item);
    setChosen(next);
  };
  const labelOf = (property: string) => labels[property] || property;
  const available = resource.properties.filter((p) => !chosen.includes(p));

  const publish = async () => {
    if (chosen.length === 0 && !window.confirm(`This ${screen} screen would show no properties at all. Publish it anyway?`))
      return;
    if (!(await confirmReach(`Publishing the layout of ${resource.label}`))) return;
    // The address names the resource; the server sets it from there.
    const { resource: _resource, ...own }: Partial<LayoutDefinition> = resource.own ?? {};
    const named = Object.fromEntries(Object.entries(labels).filter(([, v]) => v.trim() !== ''));
    await run(
      () => studio(`layouts/${encodeURIComponent(resource.id)}`, 'PUT', { ...own, [screen]: chosen, labels: named }),
      `Published: ${resource.label} shows it from the next page load.`,
    );
  };
  const revert = () =>
    window.confirm(`Revert ${resource.label} to the inherited layout? This workspace's own layout of it is deleted.`) &&
    run(
      () => studio(`layouts/${encodeURIComponent(resource.id)}`, 'DELETE'),
      `Reverted: ${resource.label} uses the inherited layout again.`,
    );

  return (
    <Box variant="grey">
      <Box variant="white">
        <H2>Layout editor</H2>
        <Notice notice={notice} onClose={clear} />
        {/* Rows wrap on a narrow screen rather than run off its edge. */}
        <Box flex flexDirection="row" style={{ gap: 24, flexWrap: 'wrap' }} mb="xl">
          <Box style={{ minWidth: 0, maxWidth: '100%' }}>
            <Label htmlFor="layout-resource">Resource</Label>
            <select
              id="layout-resource"
              data-testid="layout-resource"
              value={resource.id}
              onChange={(e) => setResourceId(e.target.value)}
              style={{ padding: 8, minWidth: 240, maxWidth: '100%' }}
            >
              {resources.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.label} ({r.id})
                </option>
              ))}
            </select>
          </Box>
          <Box>
            <Label id="layout-screen">Screen</Label>
            <Box flex role="group" aria-labelledby="layout-screen" style={{ gap: 8, flexWrap: 'wrap' }}>
              {SCREENS.map((s) => (
                <Button
                  key={s.id}
                  size="sm"
                  variant={s.id === screen ? 'contained' : 'outlined'}
                  data-testid={`layout-screen-${s.id}`}
                  onClick={() => setScreen(s.id)}
                >
                  {s.label}
                </Button>
              ))}
            </Box>
          </Box>
        </Box>

        <Box flex flexDirection="row" style={{ gap: 32, flexWrap: 'wrap' }}>
          <Box style={{ flex: '1 1 320px', minWidth: 0 }}>
            <H4>Shown, in this order</H4>
            {chosen.length === 0 && <Text>Nothing yet: add fields from the right.</Text>}
            {chosen.map((property, index) => (
              <Box
                key={property}
                flex
                alignItems="center"
                style={{ gap: 8, flexWrap: 'wrap' }}
                mb="sm"
                data-testid={`chosen-${property}`}
              >
                <Text style={{ width: 160, overflowWrap: 'anywhere' }}>
                  {index + 1}. {property}
                </Text>
                <Input
                  placeholder="label"
                  aria-label={`Label of ${property}`}
                  style={{ flex: '1 1 120px', minWidth: 0 }}
                  value={labels[property] ?? ''}
                  data-testid={`label-${property}`}
                  onChange={(e: React.ChangeEvent<HTMLInputElement>) => setLabels({ ...labels, [property]: e.target.value })}
                />
                <Button size="sm" variant="text" disabled={index === 0} onClick={() => move(index, -1)} title="Move up">
                  ↑
                </Button>
                <Button
                  size="sm"
                  variant="text"
                  disabled={index === chosen.length - 1}
                  onClick={() => move(index, 1)}
                  title="Move down"
                >
                  ↓
                </Button>
                <Button
                  size="sm"
                  variant="text"
                  data-testid={`remove-${property}`}
                  onClick={() => setChosen(chosen.filter((p) => p !== property))}
                  title="Remove"
                  aria-label={`Remove ${property}`}
                >
                  ✕
                </Button>
              </Box>
            ))}
          </Box>
          <Box style={{ flex: '0 1 260px', minWidth: 0 }}>
            <H4>Available</H4>
            {available.length === 0 && <Text>Every field is shown.</Text>}
            {available.map((property) => (
              <Box key={property} flex alignItems="center" justifyContent="space-between" mb="sm">
                <Text>{property}</Text>
                <Button
                  size="sm"
                  variant="outlined"
                  data-testid={`add-${property}`}
                  onClick={() => setChosen([...chosen, property])}
                >
                  Add
                </Button>
              </Box>
            ))}
          </Box>
        </Box>

        <H4 mt="xl">Preview</H4>
        {screen === 'list' ? (
          // Fixed columns that wrap their text: the preview fits a phone, as the list's own columns do.
          <Table data-testid="layout-preview" style={{ tableLayout: 'fixed', width: '100%', overflowWrap: 'anywhere' }}>
            <TableHead>
              <TableRow>
                {chosen.map((p) => (
                  <TableCell key={p} style={WRAP}>
                    {labelOf(p)}
                  </TableCell>
                ))}
              </TableRow>
            </TableHead>
            <TableBody>
              {sample.map((row, i) => (
                <TableRow key={i}>
                  {chosen.map((p) => (
                    <TableCell key={p} style={WRAP}>
                      {cellText(row[p])}
                    </TableCell>
                  ))}
                </TableRow>
              ))}
            </TableBody>
          </Table>
        ) : (
          <Box data-testid="layout-preview">
            {chosen.map((p) => (
              <Box key={p} mb="default">
                <Label>{labelOf(p)}</Label>
                <Text>{cellText(sample[0]?.[p])}</Text>
              </Box>
            ))}
          </Box>
        )}

        <Box flex style={{ gap: 12 }} mt="xl">
          <Button variant="contained" data-testid="layout-publish" onClick={publish}>
            Publish
          </Button>
          {resource.own && (
            <Button variant="outlined" data-testid="layout-revert" onClick={revert}>
              Revert to inherited
            </Button>
          )}
        </Box>
      </Box>
    </Box>
  );
};

export default LayoutEditor;
