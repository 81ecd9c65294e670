import React, { useState } from 'react';
import { Box, Button, H2, H3, Text } from '@adminjs/design-system';
import type { DashboardReply, DayCount, Json, ShownWidget } from '../studio/shapes';
import { ADMIN, useStudio, when } from './api';
import DashboardArranger from './DashboardArranger';
import DayChart, { COLOURS } from './DayChart';
import Notice from './Notice';

/** Each series' total over the chart's days, in words beside its colour. */
const Totals: React.FC<{ series: { label: string; days: DayCount[] }[] }> = ({ series }) => (
  <Box flex mt="default" style={{ gap: 12, flexWrap: 'wrap' }}>
    {series.map((s, k) => (
      <Text key={s.label} variant="sm" data-testid="series-total">
        <span aria-hidden="true" style={{ color: COLOURS[k % COLOURS.length] }}>
          ■
        </span>{' '}
        {s.label}: {s.days.reduce((n, d) => n + d.count, 0)}
      </Text>
    ))}
  </Box>
);

const WidgetBody: React.FC<{ widget: Json<ShownWidget> }> = ({ widget }) => {
  if (widget.problem) return <Text>{widget.problem}</Text>;
  if (widget.kind === 'count' && widget.value !== undefined)
    return (
      <Text fontWeight="bold" style={{ fontSize: 44, lineHeight: 1.1 }} data-testid="big-number">
        {widget.value.toLocaleString()}
      </Text>
    );
  if (widget.kind === 'per_day') {
    const series = widget.series
      ? widget.series.map((s) => ({ label: s.label, days: s.days ?? [] }))
      : Array.isArray(widget.days)
        ? [{ label: widget.title, days: widget.days }]
        : [];
    return (
      <>
        <DayChart title={widget.title} series={series} />
        {widget.series && <Totals series={series} />}
      </>
    );
  }
  if (widget.kind === 'recent') {
    if (widget.rows?.length === 0) return <Text>Nothing yet.</Text>;
    return (
      <>
        {widget.rows?.map((row) => (
          <Box key={row.id} mb="sm">
            <a href={`${ADMIN}/resources/${widget.resource}/records/${row.id}/show`}>{row.title}</a>
            <Text variant="sm">{when(row.createdAt)}</Text>
          </Box>
        ))}
      </>
    );
  }
  return null;
};

/**
 * The workspace's dashboard: which workspace this is, and its widgets (counts, recent rows,
 * charts per day with date and count axes). Owners and admins choose and order the widgets, from
 * those the layouts and modules declare and a count and the newest rows of every screen.
 */
const Dashboard: React.FC = () => {
  const { data, error, reload } = useStudio<Json<DashboardReply>>('dashboard');
  const [arranging, setArranging] = useState(false);
  if (error) return <Notice notice={{ variant: 'danger', message: error }} onClose={reload} />;
  if (!data) return <Text>Loading…</Text>;
  const editor = data.workspace.role === 'owner' || data.workspace.role === 'admin';
  return (
    <Box variant="grey">
      <H2 mb="sm">{data.workspace.name}</H2>
      {data.webhookNotices && data.webhookNotices.length > 0 && (
        <Box variant="white" mb="lg" role="alert" data-testid="webhook-notices" style={{ borderLeft: '4px solid #b00020' }}>
          <H3 style={{ fontSize: 18 }} mb="sm">
            Webhooks switched off after failing
          </H3>
          {data.webhookNotices.map((n) => (
            <Text key={`${n.url}-${n.disabledAt}`} mb="sm">
              {n.url}: {n.reason} (since {when(n.disabledAt)})
            </Text>
          ))}
          <a href={`${ADMIN}/webhooks`}>Manage webhooks</a>
        </Box>
      )}
      <Box flex mb="lg" style={{ gap: 12, flexWrap: 'wrap', alignItems: 'baseline' }}>
        <Text data-testid="workspace">
          Workspace {data.workspace.slug} · you are {data.workspace.role}
          {data.canSwitch && (
            <>
              {' · '}
              <a href={`${ADMIN}/workspaces`}>Switch workspace</a>
            </>
          )}
          {' · '}
          <a href={`${ADMIN}/security`}>Security and two-factor sign-in</a>
        </Text>
        <Box as="nav" aria-label="Workspace API" flex style={{ gap: 12, flexWrap: 'wrap' }}>
          {editor && <a href={`${ADMIN}/tokens`}>API tokens</a>}
          {editor && <a href={`${ADMIN}/webhooks`}>Webhooks</a>}
          {editor && <a href={`${ADMIN}/imports`}>Import from CSV</a>}
          <a href={`${ADMIN}/api-reference`}>API reference</a>
        </Box>
        {data.choices && !arranging && (
          <Button type="button" size="sm" variant="outlined" onClick={() => setArranging(true)} data-testid="arrange-dashboard">
            Arrange widgets
          </Button>
        )}
      </Box>
      {arranging && data.choices && (
        <DashboardArranger
          widgets={data.widgets}
          choices={data.choices}
          arranged={data.arranged}
          onDone={() => {
            setArranging(false);
            reload();
          }}
        />
      )}
      <Box flex style={{ gap: 24, flexWrap: 'wrap' }}>
        {data.widgets.map((widget, i) => (
          <Box
            as="section"
            key={`${i}-${widget.title}`}
            variant="white"
            aria-label={widget.title}
            style={{ flex: '1 1 300px', maxWidth: 460, minWidth: 0 }}
            data-testid={`widget-${widget.kind}`}
          >
            <H3 style={{ fontSize: 18 }} mb="default">
              {widget.title}
            </H3>
            <WidgetBody widget={widget} />
          </Box>
        ))}
      </Box>
    </Box>
  );
};

export default Dashboard;
