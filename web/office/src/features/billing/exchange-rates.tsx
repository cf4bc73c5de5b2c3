import { Button, Card, Group, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import type { z } from 'zod';
import { type ExchangeRate, ExchangeRateBody } from '../../../../../src/contracts/billing';
import { businessDate } from '../../../../../src/core/time';
import { api } from '../../shared/api';
import { Feedback } from '../../shared/feedback';
import { orNull, useContractForm } from '../../shared/form';
import { CURRENCY_OPTIONS, dayText } from '../../shared/format';
import { Loaded } from '../../shared/loaded';
import { useApi } from '../../shared/query';

type RateT = z.infer<typeof ExchangeRate>;
type Values = { currency: string | null; validFrom: string; rate: string; source: string };

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
  const [saved, setSaved] = useState<string | null>(null);
  const options = CURRENCY_OPTIONS.filter((o) => o.value !== currency);
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: ExchangeRateBody,
    initialValues: {
      currency: null,
      validFrom: businessDate(new Date(), timeZone),
      rate: '',
      source: '',
    } satisfies Values as Values,
    toBody: (v: Values) =>
      ({
        currency: v.currency ?? undefined,
        validFrom: v.validFrom,
        rate: v.rate.trim().replace(',', '.'),
        source: orNull(v.source),
      }) as z.input<typeof ExchangeRateBody>,
  });
  const code = form.values.currency;
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
            noValidate
            aria-label="Record an exchange rate"
            onSubmit={submit(async (body) => {
              setSaved(null);
              await api('PUT', '/api/v1/exchange-rates', body);
              rates.reload();
              form.setValues({ rate: '' });
              setSaved(
                `1 ${body.currency} = ${body.rate} ${currency} recorded from ${dayText(body.validFrom)}`,
              );
            })}
          >
            <Group align="flex-start" wrap="wrap">
              <Select
                label="Currency"
                searchable
                required
                data={options}
                {...form.getInputProps('currency')}
                w={220}
              />
              <TextInput type="date" label="Valid from" required {...form.getInputProps('validFrom')} />
              <TextInput
                label={`${currency} per 1 ${code ?? 'unit'}`}
                placeholder="1.1712"
                required
                inputMode="decimal"
                {...form.getInputProps('rate')}
                w={160}
              />
              <TextInput label="Source" placeholder="ECB reference rate" {...form.getInputProps('source')} />
              <Button type="submit" mt={24} loading={busy}>
                Record rate
              </Button>
            </Group>
          </form>
        )}
        <Feedback notice={saved} error={null} />
        {errorAlert}
      </Stack>
    </Card>
  );
};
