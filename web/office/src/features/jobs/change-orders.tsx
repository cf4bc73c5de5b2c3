import {
  Anchor,
  Button,
  Group,
  Image,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useState } from 'react';
import type { ChangeOrderView } from '../../../../../src/contracts/change-orders';
import { agreedScope } from '../../../../../src/core/change-orders';
import { grossOf } from '../../../../../src/core/invoice-calc';
import { api, type JobT, type MeT } from '../../shared/api';
import { useSubmit } from '../../shared/feedback';
import { dateTime, money } from '../../shared/format';
import { Loaded } from '../../shared/loaded';
import { useApi, useInvalidate } from '../../shared/query';
import { StatusBadge } from '../../shared/status';
import { AgreedPriceEditor } from './agreed-price-editor';

type Row = {
  key: string;
  change: 'add' | 'remove';
  sku: string | null;
  description: string;
  quantity: string;
  unitPrice: string;
};

const signed = (c: ChangeOrderView) =>
  `${c.difference.startsWith('-') ? '−' : '+'}${money(c.difference.replace(/^-/, ''), c.currency)}`;

/** A new change order from the office: why, the lines added or taken off the agreed scope. */
const NewChangeOrder = ({
  job,
  orders,
  onDone,
}: {
  job: JobT;
  orders: readonly ChangeOrderView[];
  onDone: (message: string) => void;
}) => {
  const [reason, setReason] = useState('');
  const [rows, setRows] = useState<Row[]>([]);
  const invalidate = useInvalidate();
  const s = useSubmit();
  const agreed = agreedScope(
    job.estimateLines,
    orders.filter((c) => c.status === 'approved'),
  ).filter((l) => !l.quantity.startsWith('-'));
  const update = (key: string, patch: Partial<Row>) =>
    setRows(rows.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  const add = (r: Omit<Row, 'key'>) => setRows([...rows, { ...r, key: crypto.randomUUID() }]);
  const submit = () =>
    s.run(async () => {
      const c = await api<ChangeOrderView>('POST', `/api/v1/jobs/${job.id}/change-orders`, {
        reason: reason.trim(),
        lines: rows.map(({ key: _k, ...r }) => ({ ...r, description: r.description.trim() })),
      });
      invalidate('jobs');
      setRows([]);
      setReason('');
      const msg = `${c.name} drafted: the agreed price would go from ${money(c.beforeTotal, c.currency)} to ${money(c.afterTotal, c.currency)}`;
      onDone(msg);
      return msg;
    });
  return (
    <Stack gap="xs" component="form" aria-label="New change order" onSubmit={(e) => e.preventDefault()}>
      <Textarea
        label="Why the work changes (the customer reads this)"
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        autosize
        minRows={2}
      />
      {rows.map((r, n) => (
        <Group key={r.key} align="flex-end" gap="xs" wrap="wrap">
          <SegmentedControl
            size="xs"
            aria-label={`Line ${n + 1}: add or take off`}
            value={r.change}
            onChange={(v) => update(r.key, { change: v as Row['change'] })}
            data={[
              { value: 'add', label: 'Add' },
              { value: 'remove', label: 'Take off' },
            ]}
          />
          <TextInput
            label={`Line ${n + 1}`}
            value={r.description}
            onChange={(e) => update(r.key, { description: e.target.value })}
            style={{ flex: '1 1 12rem' }}
          />
          <TextInput
            label="Quantity"
            inputMode="decimal"
            value={r.quantity}
            onChange={(e) => update(r.key, { quantity: e.target.value })}
            w={90}
          />
          <TextInput
            label="Unit price"
            inputMode="decimal"
            value={r.unitPrice}
            onChange={(e) => update(r.key, { unitPrice: e.target.value })}
            w={110}
          />
          <Button variant="subtle" color="red" onClick={() => setRows(rows.filter((x) => x.key !== r.key))}>
            Remove
          </Button>
        </Group>
      ))}
      <Group gap="xs">
        <Button
          variant="default"
          onClick={() => add({ change: 'add', sku: null, description: '', quantity: '1', unitPrice: '' })}
        >
          Add work
        </Button>
        {agreed.length > 0 && (
          <Select
            aria-label="Take off agreed work"
            placeholder="Take off agreed work…"
            data={agreed.map((l, i) => ({
              value: String(i),
              label: `${l.quantity === '1' ? '' : `${l.quantity} × `}${l.description}`,
            }))}
            value={null}
            onChange={(v) => {
              const l = v === null ? undefined : agreed[Number(v)];
              if (l)
                add({
                  change: 'remove',
                  sku: l.sku,
                  description: l.description,
                  quantity: l.quantity,
                  unitPrice: l.unitPrice,
                });
            }}
          />
        )}
      </Group>
      <Group>
        <Button onClick={submit} loading={s.busy} disabled={reason.trim().length < 3 || rows.length === 0}>
          Draft the change order
        </Button>
      </Group>
      {s.feedback}
    </Stack>
  );
};

/** One change order: its lines, the price before and after, where the customer's answer stands. */
const ChangeOrderCard = ({
  c,
  me,
  onDone,
}: {
  c: ChangeOrderView;
  me: MeT;
  onDone: (message: string) => void;
}) => {
  const tz = me.organization.timeZone;
  const canManage = me.permissions.includes('change_orders.manage');
  const open = c.status === 'draft' || c.status === 'sent' || c.status === 'viewed';
  const [link, setLink] = useState<string | null>(null);
  const [withdrawing, setWithdrawing] = useState(false);
  const [why, setWhy] = useState('');
  const invalidate = useInvalidate();
  const s = useSubmit();
  const send = () =>
    s.run(async () => {
      const r = await api<ChangeOrderView & { link: string }>(
        'POST',
        `/api/v1/change-orders/${c.id}/send`,
        {},
      );
      setLink(r.link);
      invalidate('jobs');
      const msg = `${c.name} e-mailed to ${r.sentTo ?? 'the customer'}`;
      onDone(msg);
      return msg;
    });
  const withdraw = () =>
    s.run(async () => {
      await api('POST', `/api/v1/change-orders/${c.id}/withdraw`, { reason: why.trim() });
      invalidate('jobs');
      const msg = `${c.name} withdrawn`;
      onDone(msg);
      return msg;
    });
  return (
    <Stack gap={4} aria-label={c.name} component="article">
      <Group justify="space-between" wrap="nowrap">
        <Text fw={600}>Change order {c.seq}</Text>
        <StatusBadge kind="change_order" status={c.status} />
      </Group>
      <Text size="sm">{c.reason}</Text>
      {c.photoIds.length > 0 && (
        <div className="photo-grid">
          {c.photoIds.map((id, i) => (
            <a key={id} href={`/api/v1/attachments/${id}/content`} target="_blank" rel="noreferrer">
              <Image
                src={`/api/v1/attachments/${id}/thumbnail`}
                alt={`Why change order ${c.seq}, ${i + 1} of ${c.photoIds.length}`}
                w={120}
                h={90}
                fit="cover"
                radius="sm"
              />
            </a>
          ))}
        </div>
      )}
      <Table>
        <Table.Tbody>
          {c.lines.map((l) => (
            <Table.Tr key={`${l.change}${l.description}${l.unitPrice}`}>
              <Table.Td>{l.change === 'add' ? 'Added' : 'Taken off'}</Table.Td>
              <Table.Td>
                {l.quantity === '1' ? '' : `${l.quantity} × `}
                {l.description}
              </Table.Td>
              <Table.Td ta="right">
                {l.change === 'remove' ? '−' : ''}
                {money(grossOf(l.quantity, l.unitPrice).toFixed(), c.currency)}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Text size="sm">
        Agreed price {money(c.beforeTotal, c.currency)} → {money(c.afterTotal, c.currency)} ({signed(c)}, tax
        included)
      </Text>
      <Text size="xs" c="dimmed">
        {c.status === 'approved' && c.answeredAt
          ? `Signed by ${c.signerName ?? 'the customer'} ${c.signedInPerson ? 'in person' : 'online'} on ${dateTime(c.answeredAt, tz)}`
          : c.status === 'declined'
            ? `Declined${c.answeredAt ? ` on ${dateTime(c.answeredAt, tz)}` : ''}: ${c.declineReason ?? ''}`
            : c.sentAt
              ? `Sent to ${c.sentTo} on ${dateTime(c.sentAt, tz)}${c.viewedAt ? `; seen ${dateTime(c.viewedAt, tz)}` : ''}`
              : `Drafted ${dateTime(c.createdAt, tz)}; the technician can have it signed on site, or send it`}
      </Text>
      {link && (
        <Text size="xs">
          Customer’s link:{' '}
          <Anchor href={link} target="_blank" size="xs">
            open the approval page
          </Anchor>
        </Text>
      )}
      {canManage && open && (
        <Group gap="xs">
          <Button size="xs" variant="default" onClick={send} loading={s.busy}>
            {c.sentAt ? 'Send again' : 'Send to the customer'}
          </Button>
          {withdrawing ? (
            <>
              <TextInput
                size="xs"
                aria-label="Why withdraw"
                placeholder="Why"
                value={why}
                onChange={(e) => setWhy(e.target.value)}
              />
              <Button size="xs" color="red" disabled={!why.trim()} onClick={withdraw}>
                Withdraw
              </Button>
            </>
          ) : (
            <Button size="xs" variant="subtle" color="red" onClick={() => setWithdrawing(true)}>
              Withdraw…
            </Button>
          )}
        </Group>
      )}
      {s.feedback}
    </Stack>
  );
};

/**
 * The agreed price of a job: its estimate (the accepted quote's lines, or what the office agreed) and each
 * change order, with the customer's answer. Only approved changes reach the invoice.
 */
export const AgreedScope = ({ job, me, onDone }: { job: JobT; me: MeT; onDone: (m: string) => void }) => {
  const [drafting, setDrafting] = useState(false);
  const orders = useApi(['jobs', job.id, 'change-orders'], () =>
    api<{ items: ChangeOrderView[] }>('GET', `/api/v1/jobs/${job.id}/change-orders`).then((r) => r.items),
  );
  const [editing, setEditing] = useState(false);
  const open =
    !['invoiced', 'paid', 'not_billable'].includes(job.billingStatus) &&
    job.status !== 'canceled' &&
    job.status !== 'no_show';
  const amendable = me.permissions.includes('change_orders.manage') && open;
  // Once the customer signed (a quote, a change), the price moves only by change orders.
  const signed = job.quoteNumber !== null || (orders.data ?? []).some((c) => c.status === 'approved');
  const priceEditable =
    me.permissions.includes('jobs.billing') && open && !signed && orders.data !== undefined;
  if (editing)
    return (
      <AgreedPriceEditor
        job={job}
        me={me}
        onCancel={() => setEditing(false)}
        onDone={(m) => {
          setEditing(false);
          onDone(m);
        }}
      />
    );
  return (
    <Stack gap="sm">
      {job.quoteNumber && <Text size="sm">The customer accepted this price in quote {job.quoteNumber}.</Text>}
      {job.estimateLines.length === 0 ? (
        <Text size="sm" c="dimmed">
          No agreed price: the work is billed as recorded.
        </Text>
      ) : (
        <Table aria-label="Agreed lines">
          <Table.Tbody>
            {job.estimateLines.map((l) => (
              <Table.Tr key={`${l.description}${l.unitPrice}`}>
                <Table.Td>
                  {l.quantity === '1' ? '' : `${l.quantity} × `}
                  {l.description}
                </Table.Td>
                <Table.Td ta="right">
                  {money(grossOf(l.quantity, l.unitPrice).toFixed(), me.organization.currency)}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Loaded
        resource={orders}
        what="change orders"
        isEmpty={(o) => o.length === 0}
        empty="No change orders."
      >
        {(items) => (
          <Stack gap="md">
            {items.map((c) => (
              <ChangeOrderCard key={c.id} c={c} me={me} onDone={onDone} />
            ))}
          </Stack>
        )}
      </Loaded>
      {amendable &&
        (drafting ? (
          <NewChangeOrder
            job={job}
            orders={orders.data ?? []}
            onDone={(m) => {
              setDrafting(false);
              onDone(m);
            }}
          />
        ) : (
          <Group>
            <Button variant="default" onClick={() => setDrafting(true)}>
              New change order
            </Button>
          </Group>
        ))}
      {priceEditable && !drafting && (
        <Group>
          <Button variant="default" onClick={() => setEditing(true)}>
            {job.estimateLines.length === 0 ? 'Set the agreed price' : 'Edit the agreed price'}
          </Button>
        </Group>
      )}
    </Stack>
  );
};
