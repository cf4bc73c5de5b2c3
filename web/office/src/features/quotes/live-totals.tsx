import { Alert, Group, Paper, Stack, Text } from '@mantine/core';
import { defaultChoice, priceQuote, type QuoteLine } from '../../../../../src/core/quote-pricing';
import { defaultTaxCodeOf, treatmentOfCode } from '../../../../../src/core/tax';
import type { CatalogItemT, CustomerT, JobTypeT, TaxCodeT } from '../../shared/api';
import { money } from '../../shared/format';
import { useMe } from '../../shared/me';

export type Refs = {
  customers: CustomerT[];
  jobTypes: JobTypeT[];
  taxCodes: TaxCodeT[];
  items: CatalogItemT[];
};

/** A quote line as the editor holds it: its kind decides whether it is included, an option or an extra. */
export type LineValues = {
  id: string;
  sku: string | null;
  description: string;
  quantity: string;
  unitPrice: string;
  taxCodeId: string | null;
  kind: 'included' | 'option' | 'extra';
  group: string;
  option: string;
};

/**
 * The totals the customer will see first (each group's first option, no extras), worked out in the browser by
 * the calculator the server prices with, as the office types. Lines still missing a price are left out.
 */
export const LiveTotals = ({
  values,
  refs,
  customer,
}: {
  values: { lines: LineValues[]; discountPercent: string; depositKind: string; depositValue: string };
  refs: Refs;
  customer: CustomerT | null;
}) => {
  const me = useMe();
  const currency = me.organization.currency;
  const fallback = defaultTaxCodeOf(refs.taxCodes);
  const lines: QuoteLine[] = values.lines.flatMap((l) => {
    const code = refs.taxCodes.find((t) => t.id === l.taxCodeId) ?? fallback;
    if (!code || !/^\d+(\.\d+)?$/.test(l.unitPrice.trim()) || !/^\d+(\.\d+)?$/.test(l.quantity.trim()))
      return [];
    return [
      {
        id: l.id,
        description: l.description,
        quantity: l.quantity.trim(),
        unitPrice: l.unitPrice.trim(),
        tax: customer?.taxExempt
          ? { category: 'E', rate: '0', exemptionReason: 'Exempt customer' }
          : treatmentOfCode(code),
        option:
          l.kind === 'option' && l.group.trim() && l.option.trim()
            ? { group: l.group.trim(), key: l.option.trim() }
            : null,
        optional: l.kind === 'extra',
      },
    ];
  });
  if (lines.length === 0) return null;
  const deposit = /^\d+(\.\d+)?$/.test(values.depositValue.trim())
    ? values.depositKind === 'amount'
      ? { amount: values.depositValue.trim() }
      : values.depositKind === 'percent'
        ? { percent: values.depositValue.trim() }
        : null
    : null;
  const price = priceQuote(
    lines,
    {
      currency,
      scheme: me.organization.taxScheme,
      discountPercent: /^\d+(\.\d+)?$/.test(values.discountPercent.trim())
        ? values.discountPercent.trim()
        : null,
      deposit,
    },
    defaultChoice(lines),
  );
  if (!price.ok)
    return (
      <Alert color="yellow" title="The totals cannot be worked out yet">
        {price.problems.map((p) => p.message).join('; ')}
      </Alert>
    );
  const t = price.calc.totals;
  return (
    <Paper withBorder p="sm" aria-label="Totals as the customer first sees them">
      <Stack gap={2}>
        <Group justify="space-between">
          <Text size="sm">Lines</Text>
          <Text size="sm">{money(t.lineTotal, currency)}</Text>
        </Group>
        {Number(t.allowanceTotal) > 0 && (
          <Group justify="space-between">
            <Text size="sm">Discount</Text>
            <Text size="sm">−{money(t.allowanceTotal, currency)}</Text>
          </Group>
        )}
        <Group justify="space-between">
          <Text size="sm">Tax</Text>
          <Text size="sm">{money(t.taxTotal, currency)}</Text>
        </Group>
        <Group justify="space-between">
          <Text fw={700}>Total</Text>
          <Text fw={700} data-testid="editor-total">
            {money(t.payable, currency)}
          </Text>
        </Group>
        {price.depositDue && (
          <Group justify="space-between">
            <Text size="sm">Deposit on acceptance</Text>
            <Text size="sm">{money(price.depositDue, currency)}</Text>
          </Group>
        )}
      </Stack>
    </Paper>
  );
};
