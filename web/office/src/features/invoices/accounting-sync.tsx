import { Stack, Text } from '@mantine/core';
import { api, type InvoiceT } from '../../shared/api';
import { Loaded } from '../../shared/loaded';
import { useApi } from '../../shared/query';
import { StatusBadge } from '../../shared/status';
import type { Push } from '../jobs/job-sections';

/** What each push wrote to the accounting system, in words. */
const whatOf = (p: Push, kind: InvoiceT['kind']) =>
  p.entity === 'payment'
    ? kind === 'credit_note'
      ? 'Refund'
      : 'Payment'
    : p.entity === 'allocation'
      ? 'Credit applied to the invoice'
      : p.entity === 'attachment'
        ? 'PDF attached'
        : p.entity === 'report'
          ? 'Work report attached'
          : p.entity === 'reversal'
            ? 'Payment taken back by the bank, removed'
            : kind === 'credit_note'
              ? 'Credit note'
              : 'Invoice';

/**
 * A document's state in the accounting systems: the document itself, each payment or refund on it, and (a
 * credit note) its application to the invoice, each with its attempts and what last went wrong.
 */
export const AccountingSync = ({ invoice, enabled = true }: { invoice: InvoiceT; enabled?: boolean }) => {
  const pushes = useApi(['invoices', invoice.id, 'accounting', invoice.version], () =>
    enabled && invoice.number
      ? api<{ items: Push[] }>('GET', `/api/v1/invoices/${invoice.id}/accounting`).then((r) => r.items)
      : Promise.resolve([] as Push[]),
  );
  return (
    <Loaded
      resource={pushes}
      what="the accounting sync"
      isEmpty={(p) => p.length === 0}
      empty={<Text c="dimmed">Not in an accounting system: none is connected.</Text>}
    >
      {(items) => (
        <Stack gap={2} aria-label="Accounting sync">
          {items.map((p) => (
            <Text size="sm" key={`${p.connectorId}:${p.entity}:${p.subjectId}`}>
              {whatOf(p, invoice.kind)}: <StatusBadge kind="push" status={p.status} />
              {p.attempts > 1 ? ` after ${p.attempts} attempts` : ''}
              {p.entity === 'document' && p.externalNumber ? ` — numbered ${p.externalNumber} there` : ''}
              {p.lastError ? ` — ${p.lastError}` : ''}
            </Text>
          ))}
        </Stack>
      )}
    </Loaded>
  );
};
