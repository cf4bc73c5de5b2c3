import { Button, Group, NumberInput, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { api, type InvoiceT } from '../../shared/api';
import { useSubmit } from '../../shared/feedback';
import { money } from '../../shared/format';

export const CREDIT_REASONS = [
  { value: 'price_dispute', label: 'Price dispute' },
  { value: 'missing_time', label: 'Time billed that was not worked' },
  { value: 'wrong_tax', label: 'Wrong tax' },
  { value: 'scope_misunderstanding', label: 'Scope misunderstanding' },
  { value: 'duplicate', label: 'Billed twice' },
  { value: 'goodwill', label: 'Goodwill' },
];

/** Reasons the system gives its own credit notes: shown on them, never chosen in the form. */
export const SYSTEM_CREDIT_REASONS = [
  { value: 'canceled_job', label: 'Job canceled' },
  { value: 'replaced_by_invoice', label: 'Replaced by the final invoice' },
  { value: 'unused_advance', label: 'Advance the work did not use' },
];

/**
 * A credit note from the job page: every line that is left, or chosen lines and quantities. The server
 * credits each line at what it was charged, its share of the discount included, and says why it refuses.
 */
export const CreditForm = ({ invoice, onDone }: { invoice: InvoiceT; onDone: (msg: string) => void }) => {
  const [reason, setReason] = useState<string | null>(null);
  const [memo, setMemo] = useState('');
  const [qty, setQty] = useState<Record<number, number | string>>({});
  const s = useSubmit();
  const chosen = invoice.lines
    .map((l) => ({ position: l.position, quantity: String(qty[l.position] ?? '') }))
    .filter((l) => l.quantity !== '' && Number(l.quantity) !== 0);
  const submit = (all: boolean) =>
    s.run(async () => {
      const note = await api<InvoiceT>('POST', `/api/v1/invoices/${invoice.id}/credit-notes`, {
        reason,
        ...(memo.trim() ? { memo: memo.trim() } : {}),
        ...(all ? {} : { lines: chosen }),
      });
      const msg = `Credit note ${note.number} issued for ${money(note.totals?.payable ?? null, note.currency)}`;
      onDone(msg);
      return msg;
    });
  return (
    <Stack gap="xs" mt="xs" aria-label={`Credit ${invoice.number}`}>
      <Select
        label="Why"
        data={CREDIT_REASONS}
        value={reason}
        onChange={setReason}
        placeholder="Choose a reason"
        allowDeselect={false}
      />
      <Table>
        <Table.Tbody>
          {invoice.lines.map((l) => (
            <Table.Tr key={l.position}>
              <Table.Td>{l.description}</Table.Td>
              <Table.Td>
                {l.quantity} × {money(l.unitPrice, invoice.currency)}
              </Table.Td>
              <Table.Td w={120}>
                <NumberInput
                  size="xs"
                  aria-label={`Quantity to credit of ${l.description}`}
                  min={0}
                  max={Math.abs(Number(l.quantity))}
                  value={qty[l.position] ?? ''}
                  onChange={(v) => setQty({ ...qty, [l.position]: v })}
                />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <TextInput
        label="Memo for the customer"
        value={memo}
        onChange={(e) => setMemo(e.currentTarget.value)}
      />
      {s.error && (
        <Text c="red" size="sm" role="alert">
          {s.error}
        </Text>
      )}
      <Group>
        <Button
          size="xs"
          loading={s.busy}
          disabled={!reason || chosen.length === 0}
          onClick={() => submit(false)}
        >
          Credit the chosen lines
        </Button>
        <Button
          size="xs"
          variant="light"
          color="red"
          loading={s.busy}
          disabled={!reason}
          onClick={() => submit(true)}
        >
          Credit everything left
        </Button>
      </Group>
    </Stack>
  );
};
