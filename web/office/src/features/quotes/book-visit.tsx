import { Button, Group, MultiSelect, TextInput } from '@mantine/core';
import { useState } from 'react';
import type { Quote } from '../../../../../src/contracts/quotes';
import { addDays, businessDate, zonedToInstant } from '../../../../../src/core/time';
import { api, listAll, type UserT } from '../../shared/api';
import { useSubmit } from '../../shared/feedback';
import { useMe } from '../../shared/me';
import { useApi, useInvalidate } from '../../shared/query';

/**
 * The customer accepted without a visit offered: the office books it here, on the day agreed with them, and
 * the job carries the accepted lines, discount, PO and deposit (booking it from the board would not).
 */
export const BookVisit = ({ q }: { q: Quote }) => {
  const tz = useMe().organization.timeZone;
  const [day, setDay] = useState(addDays(businessDate(new Date(), tz), 1));
  const [from, setFrom] = useState('09:00');
  const [to, setTo] = useState('12:00');
  const [crew, setCrew] = useState<string[]>([]);
  const technicians = useApi(['users', 'technicians'], async () =>
    (await listAll<UserT>('/api/v1/users')).filter((u) => u.active && u.roles.includes('technician')),
  );
  const invalidate = useInvalidate();
  const { busy, run, feedback } = useSubmit();
  const book = () =>
    run(async () => {
      const booked = await api<Quote>('POST', `/api/v1/quotes/${q.id}/book`, {
        windowStart: zonedToInstant(day, from, tz).toISOString(),
        windowEnd: zonedToInstant(day, to, tz).toISOString(),
        crew,
      });
      invalidate('quotes', 'jobs', 'board');
      return `Booked as ${booked.jobNumber ?? 'a job'}`;
    });
  return (
    <form aria-label="Book the visit" onSubmit={(e) => e.preventDefault()}>
      <Group align="flex-end" gap="xs" mt="xs" wrap="wrap">
        <TextInput type="date" label="Day" value={day} onChange={(e) => setDay(e.target.value)} />
        <TextInput type="time" label="From" value={from} onChange={(e) => setFrom(e.target.value)} w={110} />
        <TextInput type="time" label="To" value={to} onChange={(e) => setTo(e.target.value)} w={110} />
        <MultiSelect
          label="Crew"
          placeholder={crew.length ? undefined : 'Assign later'}
          data={(technicians.data ?? []).map((u) => ({ value: u.id, label: u.name }))}
          value={crew}
          onChange={setCrew}
          miw={200}
        />
        <Button onClick={book} loading={busy} disabled={!day || !from || !to || to <= from}>
          Book the visit
        </Button>
      </Group>
      {feedback}
    </form>
  );
};
