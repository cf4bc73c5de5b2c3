import { Badge, Button, Card, Group, Select, Stack, Text, Textarea } from '@mantine/core';
import Decimal from 'decimal.js';
import { useState } from 'react';
import type { z } from 'zod';
import { type WriteOff, WriteOffBody } from '../../../../../src/contracts/write-offs';
import {
  WRITE_OFF_REASON_WORDS,
  WRITE_OFF_REASONS,
  type WriteOffReason,
} from '../../../../../src/core/write-offs';
import { api, type InvoiceT, type MeT } from '../../shared/api';
import { ConfirmWithReason } from '../../shared/confirm-with-reason';
import { EditModal } from '../../shared/edit-modal';
import { Feedback, messageOf } from '../../shared/feedback';
import { useContractForm } from '../../shared/form';
import { dateTime, dayText, money } from '../../shared/format';
import { AppLink } from '../../shared/links';
import { Loaded } from '../../shared/loaded';
import { useCan } from '../../shared/me';
import { useApi, useInvalidate } from '../../shared/query';

export type WriteOffT = z.infer<typeof WriteOff>;

const REASONS = WRITE_OFF_REASONS.map((value) => ({ value, label: WRITE_OFF_REASON_WORDS[value] }));

const STATUS_LOOK: Record<WriteOffT['status'], [string, string]> = {
  pending: ['Waiting for the owner', 'yellow'],
  applied: ['Written off', 'orange'],
  rejected: ['Refused', 'red'],
  withdrawn: ['Replaced', 'gray'],
};

/** Whether billing applies this write-off itself or it waits for the owner, in words, before it is asked. */
const approvalWords = (invoice: InvoiceT, org: MeT['organization'], canApprove: boolean) => {
  if (canApprove) return 'It applies at once.';
  if (org.writeOffApprovalAbove === null) return 'The owner approves it before it applies.';
  const inOrg = new Decimal(invoice.outstanding).times(invoice.exchangeRate);
  return inOrg.gt(org.writeOffApprovalAbove)
    ? `Above ${money(org.writeOffApprovalAbove, org.currency)}, the owner approves it before it applies.`
    : 'It applies at once.';
};

type Values = { reason: string; note: string };

/**
 * Write off what is left on an invoice: the balance is shown, not typed, so what is given up is what the
 * office saw; the reason and a note go to the owner and the audit trail, never to the customer.
 */
export const WriteOffModal = ({
  invoice,
  org,
  onClose,
  onDone,
}: {
  invoice: InvoiceT;
  org: MeT['organization'];
  onClose: () => void;
  onDone: (message: string) => void;
}) => {
  const can = useCan();
  const invalidate = useInvalidate();
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: WriteOffBody,
    initialValues: { reason: 'small_balance', note: '' } satisfies Values as Values,
    toBody: (v: Values) => ({
      amount: invoice.outstanding,
      reason: v.reason as WriteOffReason,
      note: v.note.trim(),
      version: invoice.version,
    }),
  });
  return (
    <EditModal
      opened
      onClose={onClose}
      title={`Write off what is left on ${invoice.number ?? 'the invoice'}`}
    >
      <form
        noValidate
        aria-label="Write off"
        onSubmit={submit(async (body) => {
          const r = await api<{ writeOff: WriteOffT }>(
            'POST',
            `/api/v1/invoices/${invoice.id}/write-offs`,
            body,
          );
          invalidate('invoices', 'jobs', 'metrics', 'customers', 'approvals');
          onDone(
            r.writeOff.status === 'applied'
              ? `${money(r.writeOff.amount, invoice.currency)} written off on ${invoice.number}.`
              : `The write-off of ${money(r.writeOff.amount, invoice.currency)} on ${invoice.number} waits for the owner's approval.`,
          );
          onClose();
        })}
      >
        <Stack>
          <Text size="sm">
            {invoice.buyer ?? 'The customer'} still owes{' '}
            <strong>{money(invoice.outstanding, invoice.currency)}</strong> of{' '}
            {money(invoice.totals?.payable, invoice.currency)}. Writing it off stops the reminders and settles
            the invoice without a payment; your accounting system books it as a write-off.{' '}
            {approvalWords(invoice, org, can('write_offs.approve'))}
          </Text>
          <Select label="Why" data={REASONS} allowDeselect={false} {...form.getInputProps('reason')} />
          <Textarea
            label="Note for the owner and the records"
            description="Not shown to the customer"
            autosize
            minRows={2}
            required
            {...form.getInputProps('note')}
          />
          {errorAlert}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" color="orange" loading={busy}>
              Write off {money(invoice.outstanding, invoice.currency)}
            </Button>
          </Group>
        </Stack>
      </form>
    </EditModal>
  );
};

/** One write-off: how much, why, who asked and who decided; the owner approves or refuses one waiting. */
export const WriteOffItem = ({
  w,
  timeZone,
  showInvoice = false,
  onChanged,
}: {
  w: WriteOffT;
  timeZone: string;
  showInvoice?: boolean;
  onChanged: (message: string) => void;
}) => {
  const can = useCan();
  const invalidate = useInvalidate();
  const [busy, setBusy] = useState(false);
  const [refusing, setRefusing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [label, color] = STATUS_LOOK[w.status];
  const what = `${money(w.amount, w.currency)} on ${w.invoiceNumber ?? 'the invoice'}`;
  const approve = async () => {
    setBusy(true);
    setError(null);
    try {
      await api('POST', `/api/v1/write-offs/${w.id}/decision`, { decision: 'approve' });
      invalidate('invoices', 'jobs', 'metrics', 'customers', 'approvals');
      onChanged(`Write-off of ${what} approved: the invoice is settled.`);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card withBorder padding="sm" component="article" aria-label={`Write-off of ${what}`}>
      <Stack gap={4}>
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <Stack gap={0}>
            <Text fw={600}>
              {money(w.amount, w.currency)} · {WRITE_OFF_REASON_WORDS[w.reason]}
            </Text>
            {showInvoice && (
              <Text size="sm">
                <AppLink to="/invoices/$invoiceId" params={{ invoiceId: w.invoiceId }}>
                  {w.invoiceNumber}
                </AppLink>
                {w.customerName ? ` · ${w.customerName}` : ''}
                {w.dueDate ? ` · due ${dayText(w.dueDate)}` : ''}
              </Text>
            )}
          </Stack>
          <Badge color={color} variant="light">
            {label}
          </Badge>
        </Group>
        <Text size="sm">“{w.note}”</Text>
        <Text size="xs" c="dimmed">
          Asked by {w.requestedBy ?? 'someone no longer here'} {dateTime(w.createdAt, timeZone)}
          {w.decidedAt && w.status !== 'withdrawn'
            ? ` · ${w.status === 'rejected' ? 'refused' : 'applied'} by ${w.decidedBy ?? 'the owner'} ${dateTime(w.decidedAt, timeZone)}`
            : ''}
        </Text>
        {w.decisionNote && <Text size="sm">Decision: {w.decisionNote}</Text>}
        {w.status === 'pending' && can('write_offs.approve') && (
          <Group gap="xs">
            <Button size="xs" color="orange" loading={busy} onClick={() => void approve()}>
              Approve the write-off
            </Button>
            <Button size="xs" variant="default" disabled={busy} onClick={() => setRefusing(true)}>
              Refuse…
            </Button>
          </Group>
        )}
        <Feedback error={error} />
      </Stack>
      <ConfirmWithReason
        opened={refusing}
        onClose={() => setRefusing(false)}
        title={`Refuse the write-off of ${what}`}
        description="The invoice stays owed and the reminders go on. Whoever asked is told why."
        confirmLabel="Refuse"
        onConfirm={async (note) => {
          await api('POST', `/api/v1/write-offs/${w.id}/decision`, { decision: 'reject', note });
          invalidate('invoices', 'approvals');
          onChanged(`Write-off of ${what} refused.`);
        }}
      />
    </Card>
  );
};

/** An invoice's write-offs, newest first. */
export const InvoiceWriteOffs = ({
  invoice,
  timeZone,
  onDone,
}: {
  invoice: InvoiceT;
  timeZone: string;
  onDone: (message: string) => void;
}) => {
  const list = useApi(['invoices', invoice.id, 'write-offs'], () =>
    api<{ items: WriteOffT[] }>('GET', `/api/v1/write-offs?invoiceId=${invoice.id}`).then((r) => r.items),
  );
  return (
    <Loaded resource={list} what="write-offs" isEmpty={(xs) => xs.length === 0} empty="Nothing written off.">
      {(xs) => (
        <Stack gap="xs">
          {xs.map((w) => (
            <WriteOffItem key={w.id} w={w} timeZone={timeZone} onChanged={onDone} />
          ))}
        </Stack>
      )}
    </Loaded>
  );
};

/** The write-offs waiting for the owner, for the approvals page. */
export const PendingWriteOffs = ({ me, onDone }: { me: MeT; onDone: (message: string) => void }) => {
  const list = useApi(['approvals', 'write-offs'], () =>
    api<{ items: WriteOffT[] }>('GET', '/api/v1/write-offs?status=pending').then((r) => r.items),
  );
  return (
    <Loaded
      resource={list}
      what="write-offs"
      isEmpty={(xs) => xs.length === 0}
      empty="No write-off waits for a decision."
    >
      {(xs) => (
        <Stack gap="xs">
          {xs.map((w) => (
            <WriteOffItem
              key={w.id}
              w={w}
              timeZone={me.organization.timeZone}
              showInvoice
              onChanged={(m) => {
                onDone(m);
                list.reload();
              }}
            />
          ))}
        </Stack>
      )}
    </Loaded>
  );
};
