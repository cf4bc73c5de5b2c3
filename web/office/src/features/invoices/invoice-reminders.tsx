import { Button, Stack, Text } from '@mantine/core';
import type { z } from 'zod';
import type { InvoiceReminders as InvoiceRemindersView } from '../../../../../src/contracts/collections';
import { TONE_WORDS } from '../../../../../src/core/reminders';
import { api, type InvoiceT } from '../../shared/api';
import { useSubmit } from '../../shared/feedback';
import { dateTime, dayText, money } from '../../shared/format';
import { AppLink } from '../../shared/links';
import { Loaded } from '../../shared/loaded';
import { useCan, useMe } from '../../shared/me';
import { useApi, useInvalidate } from '../../shared/query';

type View = z.infer<typeof InvoiceRemindersView>;
type Item = View['items'][number];

const toneWords = (tone: Item['tone']) =>
  tone === 'collections' ? 'Handed to billing for collection' : TONE_WORDS[tone];

const itemWords = (r: Item, timeZone: string) => {
  const what = `${toneWords(r.tone)}${r.byHand ? ', sent by hand' : ''}`;
  if (r.status === 'sent')
    return `${what}: ${r.recipients.length ? `e-mailed to ${r.recipients.join(', ')}` : 'billing was told'}, ${dateTime(r.sentAt, timeZone)}`;
  if (r.status === 'stopped')
    return `${what}: not sent, ${r.stoppedBecause?.replace(/^./, (c) => c.toLowerCase()) ?? ''}`;
  return `${what}: going out now`;
};

/**
 * An invoice's payment reminders on its page: what went and when, what was stopped and why, the next step and
 * its date (or why none will go), and "Send a reminder now".
 */
export const InvoiceReminders = ({ invoice, onDone }: { invoice: InvoiceT; onDone: (m: string) => void }) => {
  const me = useMe();
  const can = useCan();
  const invalidate = useInvalidate();
  const send = useSubmit();
  const owed =
    Number(invoice.outstanding) > 0 && ['issued', 'sent', 'partially_paid'].includes(invoice.status);
  const view = useApi(['invoices', invoice.id, 'reminders'], () =>
    api<View>('GET', `/api/v1/invoices/${invoice.id}/reminders`),
  );
  return (
    <Loaded resource={view} what="the reminders">
      {(v) => (
        <Stack gap={4}>
          {v.items.length === 0 && (
            <Text size="sm" c="dimmed">
              No reminder yet.
            </Text>
          )}
          {v.items.map((r) => (
            <Text key={r.id} size="sm" c={r.status === 'stopped' ? 'dimmed' : 'inherit'}>
              {itemWords(r, me.organization.timeZone)}
            </Text>
          ))}
          {v.lateFees.map((f) => (
            <Text key={f.id} size="sm">
              Late fee {money(f.amount, invoice.currency)} charged as{' '}
              <AppLink to="/invoices/$invoiceId" params={{ invoiceId: f.id }}>
                {f.number}
              </AppLink>
            </Text>
          ))}
          {v.heldBecause ? (
            <Text size="sm" fw={600}>
              No reminders now: {v.heldBecause.replace(/^./, (c) => c.toLowerCase())}.
            </Text>
          ) : v.next ? (
            <Text size="sm" fw={600}>
              Next: {toneWords(v.next.tone).toLowerCase()} on {dayText(v.next.on)} (“{v.scheduleName}”
              schedule)
            </Text>
          ) : (
            <Text size="sm" c="dimmed">
              Every step of the “{v.scheduleName}” schedule has gone.
            </Text>
          )}
          {can('invoices.manage') && owed && (
            <Button
              size="xs"
              variant="default"
              mt={4}
              w="fit-content"
              loading={send.busy}
              onClick={() =>
                void send.run(async () => {
                  await api('POST', `/api/v1/invoices/${invoice.id}/reminders`, {});
                  invalidate('invoices');
                  onDone(`A reminder of ${invoice.number} is going to the customer now.`);
                  return '';
                })
              }
            >
              Send a reminder now
            </Button>
          )}
          {send.feedback}
        </Stack>
      )}
    </Loaded>
  );
};
