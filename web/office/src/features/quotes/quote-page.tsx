import {
  Alert,
  Anchor,
  Button,
  Card,
  CopyButton,
  Group,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import type { Quote } from '../../../../../src/contracts/quotes';
import { grossOf } from '../../../../../src/core/invoice-calc';
import { repeatWords } from '../../../../../src/core/quote-repeat';
import { api, type JobTypeT } from '../../shared/api';
import { ConfirmWithReason } from '../../shared/confirm-with-reason';
import { CustomFieldList, fieldDefsOf } from '../../shared/custom-fields';
import { useSubmit } from '../../shared/feedback';
import { dateTime, dayText, money } from '../../shared/format';
import { AppLink } from '../../shared/links';
import { Loaded } from '../../shared/loaded';
import { useCan, useMe } from '../../shared/me';
import { useApi, useInvalidate } from '../../shared/query';
import { StatusBadge } from '../../shared/status';
import { BookVisit } from './book-visit';
import { QuoteEditor } from './quote-editor';
import { QuotePhotos } from './quote-photos';

const kindText = (l: Quote['lines'][number]) =>
  l.option ? `${l.option.group}: ${l.option.key}` : l.optional ? 'Extra the customer may tick' : 'Included';

/** One quote: the offer, where it stands with the customer, and what the office can do next. */
export const QuotePage = ({ id }: { id: string }) => {
  const quote = useApi(['quotes', id], () => api<Quote>('GET', `/api/v1/quotes/${id}`));
  return (
    <Loaded resource={quote} what="the quote">
      {(q) => <QuoteView q={q} />}
    </Loaded>
  );
};

const QuoteView = ({ q }: { q: Quote }) => {
  const jobTypes = useApi(['catalog', 'job-types'], () =>
    api<{ items: JobTypeT[] }>('GET', '/api/v1/job-types').then((r) => r.items),
  );
  const can = useCan();
  const tz = useMe().organization.timeZone;
  const invalidate = useInvalidate();
  const { busy, run, feedback } = useSubmit();
  const [editing, setEditing] = useState(false);
  const [to, setTo] = useState('');
  const [link, setLink] = useState<string | null>(null);
  const [withdrawing, setWithdrawing] = useState(false);
  const manage = can('quotes.manage');
  const open = q.status === 'sent' || q.status === 'viewed';

  if (editing)
    return (
      <Stack>
        <Group justify="space-between">
          <Title order={1}>Edit {q.number}</Title>
          <Button variant="default" onClick={() => setEditing(false)}>
            Back without saving
          </Button>
        </Group>
        <QuoteEditor quote={q} />
      </Stack>
    );

  const act = (_label: string, fn: () => Promise<string>) =>
    run(async () => {
      const notice = await fn();
      invalidate('quotes');
      return notice;
    }).then(() => undefined);

  return (
    <Stack>
      <Group justify="space-between" align="flex-start">
        <Stack gap={4}>
          <Title order={1}>
            {q.number}: {q.title}
          </Title>
          <Group gap="xs">
            <StatusBadge kind="quote" status={q.status} />
            <Text size="sm" c="dimmed">
              Version {q.version} · valid until {dayText(q.validUntil)}
            </Text>
          </Group>
        </Stack>
        <Text fw={700} size="xl" data-testid="quote-total">
          {money(q.acceptedTotal ?? q.total, q.currency)}
        </Text>
      </Group>
      <Text>
        For{' '}
        <AppLink to="/customers/$customerId" params={{ customerId: q.customerId }}>
          {q.customerName}
        </AppLink>
        , {q.siteLabel}
      </Text>
      <CustomFieldList
        defs={fieldDefsOf(jobTypes.data?.find((t) => t.id === q.jobTypeId))}
        values={q.customFields}
      />
      {q.status === 'accepted' && (
        <Alert color="green" title="Accepted" role="status">
          {q.signerName} accepted and signed on {q.answeredAt ? dateTime(q.answeredAt, tz) : ''} for{' '}
          {money(q.acceptedTotal, q.currency)}
          {q.depositDue ? `, with a deposit of ${money(q.depositDue, q.currency)} due` : ''}.{' '}
          {q.jobId && q.jobNumber ? (
            <AppLink to="/jobs/$jobId" params={{ jobId: q.jobId }}>
              Open {q.jobNumber}
            </AppLink>
          ) : (
            'No visit was offered: book it on the day agreed with the customer.'
          )}
          {' · '}
          <Anchor href={`/api/v1/quotes/${q.id}/signed.pdf`} target="_blank">
            Signed copy (PDF)
          </Anchor>
          {!q.jobId && can('jobs.create') && <BookVisit q={q} />}
        </Alert>
      )}
      {q.status === 'declined' && (
        <Alert color="red" title="Declined" role="status">
          {q.declineReason}
        </Alert>
      )}
      {q.sentAt && (
        <Text size="sm" c="dimmed">
          Sent to {q.sentTo} on {dateTime(q.sentAt, tz)}
          {q.viewedAt ? `; opened by the customer on ${dateTime(q.viewedAt, tz)}` : '; not opened yet'}.
        </Text>
      )}
      <Card withBorder>
        <Table aria-label="Lines">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Description</Table.Th>
              <Table.Th>Kind</Table.Th>
              <Table.Th ta="right">Quantity</Table.Th>
              <Table.Th ta="right">Amount</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {q.lines.map((l) => (
              <Table.Tr key={l.id}>
                <Table.Td>{l.description}</Table.Td>
                <Table.Td>{kindText(l)}</Table.Td>
                <Table.Td ta="right">{l.quantity}</Table.Td>
                <Table.Td ta="right">
                  {money(grossOf(l.quantity, l.unitPrice).toFixed(2), q.currency)}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <Text size="sm" mt="xs">
          {q.discountPercent ? `Discount ${q.discountPercent} %. ` : ''}
          {q.deposit
            ? `Deposit on acceptance: ${'amount' in q.deposit ? money(q.deposit.amount, q.currency) : `${q.deposit.percent} %`}. `
            : ''}
          {q.repeat ? `Repeats ${repeatWords(q.repeat)}: the price is per visit. ` : ''}
          {q.retainagePercent ? `Retainage ${q.retainagePercent} % of each progress invoice. ` : ''}
          {q.visitStart
            ? q.laterVisits.length > 0
              ? `${q.laterVisits.length + 1} visits offered: ${[
                  q.visitStart,
                  ...q.laterVisits.map((l) => l.start),
                ]
                  .map((at) => dateTime(at, tz))
                  .join('; ')}.`
              : `Visit offered: ${dateTime(q.visitStart, tz)}.`
            : 'No visit offered.'}
        </Text>
        {q.internalNotes && (
          <Text size="sm" c="dimmed" mt="xs">
            Internal: {q.internalNotes}
          </Text>
        )}
      </Card>
      <QuotePhotos q={q} manage={manage} />
      {manage && (
        <Stack gap="xs">
          {(q.status === 'draft' || open) && (
            <Group align="flex-end">
              <TextInput
                label="Send to"
                placeholder="The customer’s e-mail address"
                value={to}
                onChange={(e) => setTo(e.currentTarget.value)}
                w={320}
              />
              <Button
                loading={busy}
                onClick={() =>
                  act('send', async () => {
                    const sent = await api<Quote & { link: string }>('POST', `/api/v1/quotes/${q.id}/send`, {
                      ...(to.trim() ? { to: to.trim() } : {}),
                    });
                    setLink(sent.link);
                    return `${q.number} is on its way to ${sent.sentTo}`;
                  })
                }
              >
                {q.status === 'draft' ? 'Send to the customer' : 'Send again'}
              </Button>
            </Group>
          )}
          <Group>
            {q.status === 'draft' && (
              <Button variant="default" onClick={() => setEditing(true)}>
                Edit the draft
              </Button>
            )}
            {open && (
              <Button
                variant="default"
                onClick={() =>
                  void api<{ link: string | null }>('GET', `/api/v1/quotes/${q.id}/link`).then((r) =>
                    setLink(r.link),
                  )
                }
              >
                Show the customer’s link
              </Button>
            )}
            {['sent', 'viewed', 'declined', 'expired'].includes(q.status) && (
              <Button
                variant="default"
                loading={busy}
                onClick={() =>
                  act('revise', async () => {
                    await api('POST', `/api/v1/quotes/${q.id}/revise`);
                    return `Version ${q.version + 1} is a draft: change it and send it`;
                  })
                }
              >
                Revise
              </Button>
            )}
            {(q.status === 'draft' || open) && (
              <Button variant="subtle" color="red" onClick={() => setWithdrawing(true)}>
                Withdraw…
              </Button>
            )}
          </Group>
          {link && (
            <Group>
              <Text size="sm" data-testid="customer-link" style={{ overflowWrap: 'anywhere' }}>
                {link}
              </Text>
              <CopyButton value={link}>
                {({ copied, copy }) => (
                  <Button size="xs" variant="light" onClick={copy}>
                    {copied ? 'Copied' : 'Copy the link'}
                  </Button>
                )}
              </CopyButton>
            </Group>
          )}
          {feedback}
        </Stack>
      )}
      {q.versions.length > 1 && (
        <Text size="sm" c="dimmed">
          Versions: {q.versions.map((v) => `${v.version} (${money(v.total, q.currency)})`).join(', ')}
        </Text>
      )}
      <ConfirmWithReason
        opened={withdrawing}
        onClose={() => setWithdrawing(false)}
        title={`Withdraw ${q.number}`}
        description="The customer's link will say the quote was withdrawn."
        reasonLabel="Why is it withdrawn?"
        confirmLabel="Withdraw the quote"
        onConfirm={async (reason) => {
          await api('POST', `/api/v1/quotes/${q.id}/withdraw`, { reason });
          invalidate('quotes');
          setWithdrawing(false);
        }}
      />
    </Stack>
  );
};
