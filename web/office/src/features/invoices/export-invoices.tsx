import { Anchor, Button, Group, Popover, Select, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { businessDate, monthBefore } from '../../../../../src/core/time';
import { useMe } from '../../shared/me';

/**
 * The documents issued in a period as the CSV a Xero or QuickBooks import takes, for an accountant who
 * imports by hand instead of connecting.
 */
export const ExportInvoices = () => {
  const me = useMe();
  const [range, setRange] = useState(() => monthBefore(businessDate(new Date(), me.organization.timeZone)));
  const [format, setFormat] = useState<'xero' | 'quickbooks'>('xero');
  const ok =
    /^\d{4}-\d{2}-\d{2}$/.test(range.from) && /^\d{4}-\d{2}-\d{2}$/.test(range.to) && range.from <= range.to;
  const href = `/api/v1/exports/invoices.csv?${new URLSearchParams({ format, ...range }).toString()}`;
  return (
    <Popover position="bottom-end" withArrow shadow="md">
      <Popover.Target>
        <Button variant="default">Export for accounting</Button>
      </Popover.Target>
      <Popover.Dropdown>
        <Stack gap="xs" component="section" aria-label="Export invoices">
          <Text size="sm">
            Invoices and credit notes issued in a period, as a spreadsheet your accounting system imports.
          </Text>
          <Select
            label="For"
            data={[
              { value: 'xero', label: 'Xero' },
              { value: 'quickbooks', label: 'QuickBooks Online' },
            ]}
            value={format}
            allowDeselect={false}
            onChange={(v) => v && setFormat(v as 'xero' | 'quickbooks')}
          />
          <Group grow>
            <TextInput
              type="date"
              label="From"
              value={range.from}
              onChange={(e) => setRange({ ...range, from: e.currentTarget.value })}
            />
            <TextInput
              type="date"
              label="To"
              value={range.to}
              onChange={(e) => setRange({ ...range, to: e.currentTarget.value })}
              error={range.from > range.to ? 'After the first day' : undefined}
            />
          </Group>
          {ok ? (
            <Anchor href={href} download>
              Download the spreadsheet
            </Anchor>
          ) : (
            <Text size="sm" c="dimmed">
              Choose the first and last day.
            </Text>
          )}
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
};
