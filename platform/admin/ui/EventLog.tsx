import React, { useState } from 'react';
import {
  Badge,
  Box,
  Button,
  H2,
  H4,
  Input,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Text,
} from '@adminjs/design-system';
import type { EventLogReply, FailedDelivery, Json } from '../studio/shapes';
import { ADMIN, studio, useStudio, when } from './api';
import Notice, { useActions } from './Notice';

/** This workspace's events, newest first, and the deliveries that failed or died, each with a replay. */
const EventLog: React.FC = () => {
  const [name, setName] = useState('');
  const [filter, setFilter] = useState('');
  const { data, error, reload } = useStudio<Json<EventLogReply>>(
    `events?limit=100${filter ? `&name=${encodeURIComponent(filter)}` : ''}`,
  );
  const { notice, clear, run } = useActions(reload);

  const replay = (delivery: Json<FailedDelivery>) =>
    run(
      () => studio(`deliveries/${encodeURIComponent(delivery.id)}/replay`, 'POST'),
      `${delivery.event} goes to ${delivery.subscriber} again, now.`,
    );

  return (
    <Box variant="grey">
      <Box variant="white">
        <H2>Event log</H2>
        <Notice notice={notice ?? (error ? { variant: 'danger', message: error } : null)} onClose={clear} />
        <H4>Deliveries that failed or died</H4>
        {data && data.deliveries.length === 0 && <Text mb="xl">None: every subscriber is keeping up.</Text>}
        {data && data.deliveries.length > 0 && (
          <Table mb="xl" data-testid="deliveries">
            <TableHead>
              <TableRow>
                <TableCell>Event</TableCell>
                <TableCell>Subscriber</TableCell>
                <TableCell>Status</TableCell>
                <TableCell>Attempts</TableCell>
                <TableCell>Last error</TableCell>
                <TableCell />
              </TableRow>
            </TableHead>
            <TableBody>
              {data.deliveries.map((d) => (
                <TableRow key={d.id}>
                  <TableCell>
                    {d.event}
                    <Text variant="sm">{when(d.occurredAt)}</Text>
                  </TableCell>
                  <TableCell>{d.subscriber}</TableCell>
                  <TableCell>
                    <Badge variant={d.status === 'dead' ? 'danger' : 'secondary'}>{d.status}</Badge>
                  </TableCell>
                  <TableCell>{d.attempts}</TableCell>
                  <TableCell style={{ maxWidth: 360, overflowWrap: 'anywhere' }}>{d.lastError}</TableCell>
                  <TableCell>
                    <Button size="sm" variant="outlined" data-testid={`replay-${d.id}`} onClick={() => replay(d)}>
                      Replay
                    </Button>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
        <Box flex alignItems="center" style={{ gap: 8 }} mb="lg">
          <H4 mb="0">Events</H4>
          <Input
            placeholder="event name, e.g. chat.lead_captured"
            value={name}
            onChange={(e: React.ChangeEvent<HTMLInputElement>) => setName(e.target.value)}
          />
          <Button size="sm" variant="outlined" onClick={() => setFilter(name.trim())}>
            Filter
          </Button>
        </Box>
        {data && (
          <Table data-testid="events">
            <TableHead>
              <TableRow>
                <TableCell>When</TableCell>
                <TableCell>Event</TableCell>
                <TableCell>From</TableCell>
                <TableCell>Contact</TableCell>
                <TableCell>Delivered to</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {data.events.map((e) => (
                <TableRow key={e.id}>
                  <TableCell>{when(e.occurredAt)}</TableCell>
                  <TableCell title={JSON.stringify(e.payload)}>{e.name}</TableCell>
                  <TableCell>{e.producer}</TableCell>
                  <TableCell>
                    {e.contactId && <a href={`${ADMIN}/resources/contacts/records/${e.contactId}/timeline`}>timeline</a>}
                  </TableCell>
                  <TableCell>{e.subscribers.join(', ')}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </Box>
    </Box>
  );
};

export default EventLog;
