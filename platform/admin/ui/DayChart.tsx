import React from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { DayCount } from '../studio/shapes';

export const COLOURS = ['#2f3fc6', '#a65c00', '#17783f', '#b3261e', '#6b2fa8', '#0e7285'];

/** "2026-11-29" as "29 Nov": the date axis of a per-day chart, in UTC as the counts are. */
const shortDate = (day: string): string =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString(undefined, { day: 'numeric', month: 'short', timeZone: 'UTC' });

/**
 * Counts per day as bars, with a date axis, a count axis and, for several series, a legend: one
 * series (`days`) or several side by side (`series`), each day's values in a tooltip.
 */
const DayChart: React.FC<{ title: string; series: { label: string; days: DayCount[] }[] }> = ({ title, series }) => {
  const rows = (series[0]?.days ?? []).map((d, i) => ({
    day: d.day,
    ...Object.fromEntries(series.map((s) => [s.label, s.days[i]?.count ?? 0])),
  }));
  return (
    <figure style={{ margin: 0 }} aria-label={`${title}, per day`} data-testid="day-chart">
      <ResponsiveContainer width="100%" height={200}>
        <BarChart data={rows} margin={{ top: 8, right: 8, left: -16, bottom: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="day" tickFormatter={shortDate} tick={{ fontSize: 12, fill: '#454655' }} minTickGap={12} />
          <YAxis allowDecimals={false} tick={{ fontSize: 12, fill: '#454655' }} width={48} />
          <Tooltip labelFormatter={(day) => shortDate(String(day))} />
          {series.length > 1 && <Legend wrapperStyle={{ fontSize: 13 }} />}
          {series.map((s, k) => (
            <Bar key={s.label} dataKey={s.label} fill={COLOURS[k % COLOURS.length]} isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
};

export default DayChart;
