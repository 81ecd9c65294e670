import React from 'react';
import { Box, H2, H4, Text } from '@adminjs/design-system';
import { ADMIN, useStudio, when } from './api';
import Notice from './Notice';

interface Widget {
  kind: 'count' | 'recent' | 'per_day';
  title: string;
  resource?: string;
  event?: string;
  problem?: string;
  value?: number;
  rows?: { id: string; title: string; createdAt: string }[];
  days?: Day[];
  series?: { label: string; days: Day[] }[];
}

interface Day {
  day: string;
  count: number;
}

const COLOURS = ['#3040d6', '#e08a00', '#1f9d55', '#c0392b', '#7d3cbd', '#16a3b8'];

const PerDay: React.FC<{ days: Day[] }> = ({ days }) => {
  const top = Math.max(1, ...days.map((d) => d.count));
  return (
    <Box flex alignItems="flex-end" style={{ gap: 3, height: 120 }}>
      {days.map((d) => (
        <Box
          key={d.day}
          title={`${d.day}: ${d.count}`}
          style={{ flex: 1, height: `${Math.max(2, (d.count / top) * 100)}%`, background: '#3040d6', opacity: d.count ? 1 : 0.2 }}
        />
      ))}
    </Box>
  );
};

/** Several counts per day: bars side by side per day, and each series' total in the legend. */
const Series: React.FC<{ series: NonNullable<Widget['series']> }> = ({ series }) => {
  const top = Math.max(1, ...series.flatMap((s) => s.days.map((d) => d.count)));
  return (
    <>
      <Box flex alignItems="flex-end" style={{ gap: 4, height: 120 }}>
        {series[0].days.map((d, i) => (
          <Box key={d.day} flex alignItems="flex-end" style={{ flex: 1, height: '100%', gap: 1 }}>
            {series.map((s, k) => (
              <Box
                key={s.label}
                title={`${d.day} · ${s.label}: ${s.days[i].count}`}
                style={{
                  flex: 1,
                  height: `${Math.max(2, (s.days[i].count / top) * 100)}%`,
                  background: COLOURS[k % COLOURS.length],
                }}
              />
            ))}
          </Box>
        ))}
      </Box>
      <Box flex mt="default" style={{ gap: 12, flexWrap: 'wrap' }}>
        {series.map((s, k) => (
          <Text key={s.label} variant="sm" data-testid="series-total">
            <span style={{ color: COLOURS[k % COLOURS.length] }}>■</span> {s.label}: {s.days.reduce((n, d) => n + d.count, 0)}
          </Text>
        ))}
      </Box>
    </>
  );
};

interface DashboardData {
  workspace: { slug: string; name: string; role: string };
  canSwitch: boolean;
  widgets: Widget[];
}

/** The workspace's dashboard: which workspace this is, and the widgets its layouts declare (counts, recent rows, events per day). */
const Dashboard: React.FC = () => {
  const { data, error, reload } = useStudio<DashboardData>('dashboard');
  if (error) return <Notice notice={{ variant: 'danger', message: error }} onClose={reload} />;
  if (!data) return <Text>Loading…</Text>;
  return (
    <Box variant="grey">
      <H2 mb="sm">{data.workspace.name}</H2>
      <Text mb="lg" data-testid="workspace">
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
      <Box flex style={{ gap: 24, flexWrap: 'wrap' }}>
        {data.widgets.map((widget, i) => (
          <Box key={i} variant="white" style={{ width: 340 }} data-testid={`widget-${widget.kind}`}>
            <H4>{widget.title}</H4>
            {widget.problem && <Text>{widget.problem}</Text>}
            {widget.kind === 'count' && widget.value !== undefined && (
              <Text fontSize="xxl" fontWeight="bold">
                {widget.value.toLocaleString()}
              </Text>
            )}
            {widget.kind === 'per_day' && widget.days && <PerDay days={widget.days} />}
            {widget.kind === 'per_day' && widget.series && <Series series={widget.series} />}
            {widget.kind === 'recent' &&
              widget.rows?.map((row) => (
                <Box key={row.id} mb="sm">
                  <a href={`${ADMIN}/resources/${widget.resource}/records/${row.id}/show`}>{row.title}</a>
                  <Text variant="sm">{when(row.createdAt)}</Text>
                </Box>
              ))}
            {widget.kind === 'recent' && widget.rows?.length === 0 && <Text>Nothing yet.</Text>}
          </Box>
        ))}
      </Box>
    </Box>
  );
};

export default Dashboard;
