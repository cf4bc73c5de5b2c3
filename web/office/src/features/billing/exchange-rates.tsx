import { Button, Card, Group, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import type { z } from 'zod';
import type { ExchangeRate } from '../../../../../src/contracts/billing';
import { businessDate } from '../../../../../src/core/time';
import { api } from '../../shared/api';
import { useSubmit } from '../../shared/feedback';
import { CURRENCY_OPTIONS, dayText } from '../../shared/format';
import { Loaded } from '../../shared/loaded';
import { useApi } from '../../shared/query';

type RateT = z.infer<typeof ExchangeRate>;

/**
 * The rates billing records for the currencies customers are invoiced in. A document takes the rate valid
 * on its day of supply and keeps it; recording a rate again for the same day corrects it.
 */
export const ExchangeRates = ({
  currency,
  timeZone,
  canRecord,
}: {
  currency: string;
  timeZone: string;
  canRecord: boolean;
}) => {
  const rates = useApi(['exchange-rates'], () => api<{ items: RateT[] }>('GET', '/api/v1/exchange-rates'));
  const [code, setCode] = useState<string | null>(null);
  const [validFrom, setValidFrom] = useState(businessDate(new Date(), timeZone));
  const [rate, setRate] = useState('');
  const [source, setSource] = useState('');
  const s = useSubmit();
  const options = CURRENCY_OPTIONS.filter((o) => o.value !== currency);
  const record = () =>
    s.run(async () => {
      await api('PUT', '/api/v1/exchange-rates', {
        currency: code,
        validFrom,
        rate: rate.trim(),
        source: source.trim() || null,
      });
      rates.reload();
      setRate('');
      return `1 ${code} = ${rate.trim()} ${currency} recorded from ${dayText(validFrom)}`;
    });
  return (
    <Card withBorder component="section" aria-label="Exchange rates">
      <Stack gap="sm">
        <Title order={2} size="h4">
          Exchange rates
        </Title>
        <Text size="sm" c="dimmed">
          For customers invoiced in another currency: their prices are converted from {currency} at the rate
          valid on the day of the work, and the VAT is shown in {currency} too. Invoices already made keep
          their rate.
        </Text>
        <Loaded
          resource={rates}
          what="the exchange rates"
          isEmpty={(r) => r.items.length === 0}
          empty="No rates yet: every customer is invoiced in your own currency."
        >
          {(r) => (
            <Table aria-label="Recorded exchange rates">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Currency</Table.Th>
                  <Table.Th>From</Table.Th>
                  <Table.Th>Rate</Table.Th>
                  <Table.Th>Source</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {r.items.map((x) => (
                  <Table.Tr key={`${x.currency}-${x.validFrom}`}>
                    <Table.Td>{x.currency}</Table.Td>
                    <Table.Td>{dayText(x.validFrom)}</Table.Td>
                    <Table.Td>
                      1 {x.currency} = {x.rate} {currency}
                    </Table.Td>
                    <Table.Td>{x.source ?? '–'}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Loaded>
        {canRecord && (
          <form
            aria-label="Record an exchange rate"
            onSubmit={(e) => {
              e.preventDefault();
              void record();
            }}
          >
            <Group align="flex-end" wrap="wrap">
              <Select
                label="Currency"
                searchable
                required
                data={options}
                value={code}
                onChange={setCode}
                w={220}
              />
              <TextInput
                type="date"
                label="Valid from"
                required
                value={validFrom}
                onChange={(e) => setValidFrom(e.target.value)}
              />
              <TextInput
                label={`${currency} per 1 ${code ?? 'unit'}`}
                placeholder="1.1712"
                required
                inputMode="decimal"
                value={rate}
                onChange={(e) => setRate(e.target.value)}
                w={160}
              />
              <TextInput
                label="Source"
                placeholder="ECB reference rate"
                value={source}
                onChange={(e) => setSource(e.target.value)}
              />
              <Button type="submit" loading={s.busy} disabled={!code}>
                Record rate
              </Button>
            </Group>
          </form>
        )}
        {s.feedback}
      </Stack>
    </Card>
  );
};
