import { Alert, Anchor, Button, Card, Group, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import type { InvoiceT } from '../../shared/api';
import { dayText, money } from '../../shared/format';
import { AppLink } from '../../shared/links';
import { StatusBadge } from '../../shared/status';
import { AccountingSync } from '../invoices/accounting-sync';
import { KIND_WORDS } from '../invoices/invoice-words';
import { CreditForm } from './credit-form';

export const InvoiceCard = ({
  invoice,
  canRead,
  canManage,
  onChanged,
}: {
  invoice: InvoiceT;
  canRead: boolean;
  canManage: boolean;
  onChanged: (msg: string) => void;
}) => {
  const [crediting, setCrediting] = useState(false);
  const creditable =
    canManage &&
    invoice.kind !== 'credit_note' &&
    ['issued', 'sent', 'partially_paid', 'paid'].includes(invoice.status);
  const [preview, setPreview] = useState(false);
  const kind = invoice.progress ? 'Progress invoice' : KIND_WORDS[invoice.kind];
  return (
    <Card withBorder p="sm" aria-label={`${kind} ${invoice.number ?? 'draft'}`}>
      <Group justify="space-between">
        <Group gap="xs">
          <AppLink fw={600} to="/invoices/$invoiceId" params={{ invoiceId: invoice.id }}>
            {kind} {invoice.number ?? '(draft)'}
          </AppLink>
          <StatusBadge kind="invoice" status={invoice.status} />
        </Group>
        <Text fw={600}>{money(invoice.totals?.payable ?? null, invoice.currency)}</Text>
      </Group>
      <Text size="sm" c="dimmed">
        Outstanding {money(invoice.outstanding, invoice.currency)}
        {invoice.issueDate ? ` · issued ${dayText(invoice.issueDate)}` : ''}
        {invoice.dueDate ? ` · due ${dayText(invoice.dueDate)}` : ''}
      </Text>
      {invoice.holdReasons.length > 0 && (
        <Alert color="yellow" mt="xs" title="Waiting">
          {invoice.holdReasons.map((h) => h.message).join('; ')}
        </Alert>
      )}
      {invoice.number && (
        <Group mt="xs" gap="xs">
          <Button size="xs" variant="light" onClick={() => setPreview((p) => !p)}>
            {preview ? 'Hide PDF' : 'Preview PDF'}
          </Button>
          <Anchor size="sm" href={`/api/v1/invoices/${invoice.id}/pdf`} target="_blank">
            PDF
          </Anchor>
          <Anchor size="sm" href={`/api/v1/invoices/${invoice.id}/ubl`} download>
            UBL download
          </Anchor>
          {creditable && (
            <Button size="xs" variant="default" onClick={() => setCrediting((c) => !c)}>
              {crediting ? 'Keep as it is' : 'Credit…'}
            </Button>
          )}
        </Group>
      )}
      {crediting && (
        <CreditForm
          invoice={invoice}
          onDone={(msg) => {
            setCrediting(false);
            onChanged(msg);
          }}
        />
      )}
      {preview && (
        <iframe
          title={`PDF of ${invoice.number}`}
          src={`/api/v1/invoices/${invoice.id}/pdf`}
          className="pdf-preview"
        />
      )}
      {canRead && invoice.number && (
        <Stack mt="xs">
          <AccountingSync invoice={invoice} />
        </Stack>
      )}
    </Card>
  );
};
