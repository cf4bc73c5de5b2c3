import { Badge, Button, Card, Group, Select, Stack, Text, TextInput } from '@mantine/core';
import Decimal from 'decimal.js';
import { useState } from 'react';
import { api, type CustomerT, type InvoiceT, listAll } from '../../shared/api';
import { ConfirmWithReason } from '../../shared/confirm-with-reason';
import { EditModal } from '../../shared/edit-modal';
import { Feedback, messageOf } from '../../shared/feedback';
import { dateTime, dayText, money } from '../../shared/format';
import { AppLink } from '../../shared/links';
import { useApi } from '../../shared/query';
import { APPLIED_WORDS, BASIS_WORDS, type BankEntryT, ibanWords } from './bank-words';

/**
 * One bank entry: who paid, how much, what they wrote; for one to review, the suggested matches (accept in one
 * click), a way to choose invoices by hand, or to set it aside; for one applied, what it paid and a way to undo.
 */
export const BankEntryCard = ({
  entry,
  timeZone,
  canAct,
  onChanged,
}: {
  entry: BankEntryT;
  timeZone: string;
  canAct: boolean;
  onChanged: () => void;
}) => {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<number | null>(null);
  const [choosing, setChoosing] = useState(false);
  const [asking, setAsking] = useState<'undo' | 'ignore' | null>(null);
  const cur = entry.currency;
  const accept = async (i: number) => {
    setBusy(i);
    setError(null);
    try {
      await api('POST', `/api/v1/bank/entries/${entry.id}/apply`, { suggestion: i, version: entry.version });
      onChanged();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(null);
    }
  };
  const live = entry.applications.filter((a) => !a.undoneAt);
  return (
    <Card withBorder padding="sm" aria-label={`Bank entry ${entry.counterpartyName ?? 'without a payer'}`}>
      <Stack gap={6}>
        <Group justify="space-between" align="flex-start" wrap="nowrap">
          <Stack gap={0}>
            <Text fw={600}>{entry.counterpartyName ?? 'Payer not given'}</Text>
            <Text size="xs" c="dimmed">
              {dayText(entry.bookedOn)}
              {entry.counterpartyIban ? ` · ${ibanWords(entry.counterpartyIban)}` : ''}
            </Text>
          </Stack>
          <Stack gap={0} align="flex-end">
            <Text fw={600}>{money(entry.amount, cur)}</Text>
            {entry.charges && (
              <Text size="xs" c="dimmed">
                after {money(entry.charges, cur)} bank charges
              </Text>
            )}
          </Stack>
        </Group>
        {(entry.remittance || entry.structuredRef) && (
          <Text size="sm">“{[entry.structuredRef, entry.remittance].filter(Boolean).join(' ')}”</Text>
        )}
        {entry.status === 'review' &&
          entry.suggestions.map((s, i) => (
            <Group
              // biome-ignore lint/suspicious/noArrayIndexKey: suggestions are addressed by position
              key={i}
              justify="space-between"
              wrap="wrap"
              gap="xs"
              p={6}
              bg="gray.0"
              aria-label="Suggested match"
            >
              <Stack gap={0}>
                <Text size="sm">
                  {s.allocations.map((a, j) => (
                    <span key={a.invoiceId}>
                      {j > 0 ? ', ' : ''}
                      <AppLink to="/invoices/$invoiceId" params={{ invoiceId: a.invoiceId }}>
                        {a.number}
                      </AppLink>{' '}
                      {money(a.amount, cur)}
                      {new Decimal(a.amount).lt(a.outstanding) ? ` of ${money(a.outstanding, cur)}` : ''}
                    </span>
                  ))}
                  {s.customer ? ` · ${s.customer.name}` : ''}
                  {new Decimal(s.credit).gt(0) ? ` · ${money(s.credit, cur)} kept as credit` : ''}
                </Text>
                <Text size="xs" c="dimmed">
                  {BASIS_WORDS[s.basis]}
                </Text>
              </Stack>
              {canAct &&
                (s.allocations.some((a) => new Decimal(a.outstanding).lt(a.amount)) ? (
                  // Paid or credited since the suggestion was made: matching again brings it up to date.
                  <Text size="xs" c="dimmed">
                    Paid since: match again
                  </Text>
                ) : (
                  <Button size="xs" loading={busy === i} onClick={() => accept(i)}>
                    Accept
                  </Button>
                ))}
            </Group>
          ))}
        {entry.status === 'review' && entry.suggestions.length === 0 && (
          <Text size="sm" c="dimmed">
            No invoice fits: choose one, or set the entry aside.
          </Text>
        )}
        {live.length > 0 && (
          <Text size="sm">
            Paid{' '}
            {live.map((a, j) => (
              <span key={a.id}>
                {j > 0 ? ', ' : ''}
                <AppLink to="/invoices/$invoiceId" params={{ invoiceId: a.invoiceId }}>
                  {a.number}
                </AppLink>{' '}
                {money(a.amount, cur)}
              </span>
            ))}
            {' · '}
            {live[0]?.automatic ? 'applied automatically' : 'accepted'}{' '}
            {APPLIED_WORDS[live[0]?.basis ?? 'office']}, {dateTime(live[0]?.appliedAt, timeZone)}
          </Text>
        )}
        {entry.status === 'credit' && (
          <Badge color="teal" variant="light" tt="none">
            {money(entry.credit, cur)} credit of {entry.customer?.name}
          </Badge>
        )}
        {entry.status === 'ignored' && <Text size="sm">Set aside: {entry.ignoredBecause}</Text>}
        {entry.payout && (
          <Stack gap={2} aria-label="Payout">
            <Text size="sm">
              {entry.payout.provider} payout of {dayText(entry.payout.arrivalDate)}:{' '}
              {money(entry.payout.gross, cur)} of online payments, less {money(entry.payout.fees, cur)}{' '}
              {entry.payout.provider} fees. Its payments were recorded when the customers paid.
            </Text>
            <Text size="xs" c="dimmed">
              {entry.payout.items.map((i, j) => (
                // The payout's lines have no ID of their own and never change order.
                // biome-ignore lint/suspicious/noArrayIndexKey: see above
                <span key={j}>
                  {j > 0 ? ' · ' : ''}
                  {i.kind === 'refund' ? 'Refund on ' : ''}
                  {i.invoiceId ? (
                    <AppLink to="/invoices/$invoiceId" params={{ invoiceId: i.invoiceId }}>
                      {i.number}
                    </AppLink>
                  ) : (
                    'a payment made outside Closeout'
                  )}{' '}
                  {money(i.gross, cur)}
                  {new Decimal(i.fee).gt(0) ? ` (fee ${money(i.fee, cur)})` : ''}
                </span>
              ))}
            </Text>
          </Stack>
        )}
        {canAct && entry.status !== 'outgoing' && (
          <Group gap="xs">
            {(entry.status === 'review' || entry.status === 'credit') && (
              <Button size="xs" variant="light" onClick={() => setChoosing(true)}>
                {entry.status === 'credit' ? 'Apply the credit…' : 'Choose invoices…'}
              </Button>
            )}
            {entry.status === 'review' && new Decimal(entry.applied).isZero() && (
              <Button size="xs" variant="subtle" color="gray" onClick={() => setAsking('ignore')}>
                Not a customer payment
              </Button>
            )}
            {(entry.status !== 'review' || new Decimal(entry.applied).gt(0)) && (
              <Button size="xs" variant="subtle" color="red" onClick={() => setAsking('undo')}>
                {entry.status === 'ignored' ? 'Bring back' : 'Undo'}
              </Button>
            )}
          </Group>
        )}
        <Feedback error={error} />
      </Stack>
      {choosing && <ChooseInvoices entry={entry} onClose={() => setChoosing(false)} onDone={onChanged} />}
      <ConfirmWithReason
        opened={asking !== null}
        onClose={() => setAsking(null)}
        title={asking === 'ignore' ? 'Not a customer payment' : 'Undo this match'}
        description={
          asking === 'ignore'
            ? 'The entry leaves the queue; nothing is paid with it. Say what it is.'
            : 'The payments it made are taken back, at your accounting system too, and the invoices are owed again.'
        }
        confirmLabel={asking === 'ignore' ? 'Set aside' : 'Undo'}
        color={asking === 'ignore' ? 'gray' : 'red'}
        onConfirm={async (reason) => {
          await api('POST', `/api/v1/bank/entries/${entry.id}/${asking}`, { reason, version: entry.version });
          onChanged();
        }}
      />
    </Card>
  );
};

/** Invoices chosen by hand: each with the part paid; the rest, if any, kept as a customer's credit. */
const ChooseInvoices = ({
  entry,
  onClose,
  onDone,
}: {
  entry: BankEntryT;
  onClose: () => void;
  onDone: () => void;
}) => {
  const cur = entry.currency;
  const left = new Decimal(entry.amount).minus(entry.applied);
  const open = useApi(['invoices', 'open', cur], () =>
    listAll<InvoiceT>('/api/v1/invoices?open=true').then((xs) => xs.filter((i) => i.currency === cur)),
  );
  const people = useApi(['customers', 'all'], () => listAll<CustomerT>('/api/v1/customers'));
  const [rows, setRows] = useState<{ invoiceId: string | null; amount: string }[]>([
    { invoiceId: null, amount: left.toFixed(2) },
  ]);
  const [customerId, setCustomerId] = useState<string | null>(entry.customer?.id ?? null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const chosen = rows.filter((r) => r.invoiceId);
  const total = chosen.reduce(
    (s, r) => s.plus(/^\d+(\.\d+)?$/.test(r.amount) ? r.amount : 0),
    new Decimal(0),
  );
  const rest = left.minus(total);
  const options = (open.data ?? []).map((i) => ({
    value: i.id,
    label: `${i.number} · ${money(i.outstanding, cur)} owed`,
  }));
  return (
    <EditModal opened onClose={onClose} title={`${money(left.toFixed(2), cur)} to place`} size="lg">
      <Stack>
        {rows.map((r, k) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows of a form being written
          <Group key={k} align="flex-end" wrap="nowrap">
            <Select
              label={k === 0 ? 'Invoice' : undefined}
              aria-label="Invoice"
              data={options}
              searchable
              value={r.invoiceId}
              onChange={(v) => {
                const inv = open.data?.find((i) => i.id === v);
                const room = left.minus(total).plus(r.invoiceId ? r.amount : 0);
                setRows(
                  rows.map((x, j) =>
                    j === k
                      ? {
                          invoiceId: v,
                          amount: inv
                            ? Decimal.min(inv.outstanding, Decimal.max(room, 0)).toFixed(2)
                            : x.amount,
                        }
                      : x,
                  ),
                );
              }}
              style={{ flex: 1 }}
            />
            <TextInput
              label={k === 0 ? 'Amount' : undefined}
              aria-label="Amount"
              value={r.amount}
              onChange={(e) => setRows(rows.map((x, j) => (j === k ? { ...x, amount: e.target.value } : x)))}
              w={120}
            />
          </Group>
        ))}
        <Button
          variant="subtle"
          size="xs"
          onClick={() => setRows([...rows, { invoiceId: null, amount: '0.00' }])}
        >
          Another invoice
        </Button>
        {rest.gt(0) && (
          <Select
            label={`Keep the remaining ${money(rest.toFixed(2), cur)} as the credit of`}
            data={(people.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
            searchable
            clearable
            value={customerId}
            onChange={setCustomerId}
          />
        )}
        <Feedback error={error ?? open.error} />
        <Group justify="flex-end">
          <Button variant="subtle" onClick={onClose}>
            Cancel
          </Button>
          <Button
            loading={busy}
            disabled={chosen.length === 0 && !customerId}
            onClick={async () => {
              setBusy(true);
              setError(null);
              try {
                await api('POST', `/api/v1/bank/entries/${entry.id}/apply`, {
                  allocations: chosen.map((r) => ({ invoiceId: r.invoiceId, amount: r.amount })),
                  customerId,
                  version: entry.version,
                });
                onDone();
                onClose();
              } catch (err) {
                setError(messageOf(err));
              } finally {
                setBusy(false);
              }
            }}
          >
            Apply
          </Button>
        </Group>
      </Stack>
    </EditModal>
  );
};
