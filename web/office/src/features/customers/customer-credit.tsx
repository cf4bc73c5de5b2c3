import { Card, Stack, Text, Title } from '@mantine/core';
import Decimal from 'decimal.js';
import { api } from '../../shared/api';
import { money } from '../../shared/format';
import { useApi, useInvalidate } from '../../shared/query';
import { BankEntryCard } from '../bank/bank-entry';
import type { BankEntryT } from '../bank/bank-words';

/**
 * Money the customer paid that no invoice took (an overpayment, a payment before the invoice): shown where the
 * office looks at the customer, with the same card the bank page uses to apply it. Nothing shows when there is none.
 */
export const CustomerCredit = ({
  customerId,
  timeZone,
  canApply,
}: {
  customerId: string;
  timeZone: string;
  canApply: boolean;
}) => {
  const invalidate = useInvalidate();
  const credit = useApi(['bank', 'entries', 'credit', customerId], () =>
    api<{ items: BankEntryT[] }>('GET', `/api/v1/bank/entries?status=credit&customerId=${customerId}`).then(
      (r) => r.items,
    ),
  );
  const items = credit.data ?? [];
  if (items.length === 0) return null;
  const byCurrency = new Map<string, Decimal>();
  for (const e of items)
    byCurrency.set(e.currency, (byCurrency.get(e.currency) ?? new Decimal(0)).plus(e.credit));
  return (
    <Card withBorder component="section" aria-label="Credit on account">
      <Stack gap="sm">
        <Title order={2} size="h4">
          Credit on account
        </Title>
        <Text size="sm">
          {[...byCurrency].map(([c, v]) => money(v.toFixed(2), c)).join(' + ')} paid and not yet applied to an
          invoice. Apply it to the next invoice when it is issued.
        </Text>
        {items.map((e) => (
          <BankEntryCard
            key={e.id}
            entry={e}
            timeZone={timeZone}
            canAct={canApply}
            onChanged={() => invalidate('bank', 'invoices', 'customers')}
          />
        ))}
      </Stack>
    </Card>
  );
};
