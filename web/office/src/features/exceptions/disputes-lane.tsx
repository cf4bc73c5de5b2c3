import { Badge, Button, Card, Group, Select, Stack, Text, Textarea, Title } from '@mantine/core';
import { useState } from 'react';
import type { z } from 'zod';
import type { Dispute } from '../../../../../src/contracts/portal';
import {
  DISPUTE_REASON_WORDS,
  DISPUTE_RESOLUTION_WORDS,
  DISPUTE_RESOLUTIONS,
  type DisputeResolution,
} from '../../../../../src/core/disputes';
import { api, type MeT } from '../../shared/api';
import { useSubmit } from '../../shared/feedback';
import { dateTime } from '../../shared/format';
import { AppLink } from '../../shared/links';
import { Loaded } from '../../shared/loaded';
import { useApi, useInvalidate } from '../../shared/query';

type DisputeT = z.infer<typeof Dispute>;

/** The open disputes: the lane's list, and its count for the page's total (one request, shared). */
export const useOpenDisputes = (can: boolean) =>
  useApi(['invoices', 'disputes', 'open'], () =>
    can
      ? api<{ items: DisputeT[] }>('GET', '/api/v1/disputes?status=open').then((r) => r.items)
      : Promise.resolve([] as DisputeT[]),
  );

/** Settling one: how (credited, corrected, answered) and what the customer is told by e-mail. */
const Settle = ({ d, onDone }: { d: DisputeT; onDone: (m: string) => void }) => {
  const [resolution, setResolution] = useState<DisputeResolution | null>(null);
  const [reply, setReply] = useState('');
  const invalidate = useInvalidate();
  const s = useSubmit();
  return (
    <Stack
      gap="xs"
      component="form"
      aria-label={`Settle the dispute about ${d.number}`}
      onSubmit={(e) => e.preventDefault()}
    >
      <Select
        label="How it was settled"
        data={DISPUTE_RESOLUTIONS.map((r) => ({ value: r, label: DISPUTE_RESOLUTION_WORDS[r] }))}
        value={resolution}
        onChange={(v) => setResolution(v as DisputeResolution | null)}
        w={240}
      />
      <Textarea
        label="What to tell the customer (sent by e-mail)"
        value={reply}
        onChange={(e) => setReply(e.target.value)}
        autosize
        minRows={2}
      />
      <Group>
        <Button
          size="xs"
          loading={s.busy}
          disabled={!resolution || reply.trim().length < 3}
          onClick={() =>
            void s.run(async () => {
              await api('POST', `/api/v1/disputes/${d.id}/resolve`, { resolution, reply: reply.trim() });
              invalidate('invoices');
              const m = `The dispute about ${d.number} is settled: ${d.customerName} has your answer by e-mail`;
              onDone(m);
              return m;
            })
          }
        >
          Settle and send the answer
        </Button>
      </Group>
      {s.feedback}
    </Stack>
  );
};

/**
 * What customers said is wrong with their documents, from their page: the reason in their words, the
 * document, and settling it (a credit note or corrected invoice from the invoice's page, or an answer).
 */
export const DisputesLane = ({ me, onDone }: { me: MeT; onDone: (m: string) => void }) => {
  const can = (a: string) => me.permissions.includes(a);
  const list = useOpenDisputes(can('invoices.read'));
  const [settling, setSettling] = useState<string | null>(null);
  return (
    <Card withBorder component="section" aria-label="Disputed by the customer">
      <Title order={2} size="h4">
        Disputed by the customer <Badge variant="light">{list.data?.length ?? 0}</Badge>
      </Title>
      <Loaded
        resource={list}
        what="disputes"
        isEmpty={(r) => r.length === 0}
        empty="No customer disputes an invoice."
      >
        {(xs) => (
          <Stack mt="sm">
            {xs.map((d) => (
              <Card key={d.id} withBorder>
                <Group justify="space-between" wrap="wrap">
                  <Text size="sm" fw={600}>
                    <AppLink to="/invoices/$invoiceId" params={{ invoiceId: d.invoiceId }}>
                      {d.number}
                    </AppLink>{' '}
                    · {d.customerName}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {dateTime(d.createdAt, me.organization.timeZone)}
                  </Text>
                </Group>
                <Text size="sm" mt={4}>
                  {DISPUTE_REASON_WORDS[d.reason]}: “{d.comment}”
                </Text>
                {d.photoIds.length > 0 && (
                  // The customer's photos, each opened whole in a new tab.
                  <Group role="group" gap="xs" mt="xs" aria-label={`The customer's photos of ${d.number}`}>
                    {d.photoIds.map((photoId, i) => {
                      const src = `/api/v1/disputes/${d.id}/photos/${photoId}`;
                      return (
                        <a key={photoId} href={src} target="_blank" rel="noreferrer">
                          <img
                            src={src}
                            alt={`${d.customerName}, ${i + 1} of ${d.photoIds.length}`}
                            width={96}
                            height={72}
                            style={{ objectFit: 'cover', borderRadius: 4, display: 'block' }}
                          />
                        </a>
                      );
                    })}
                  </Group>
                )}
                {can('invoices.manage') &&
                  (settling === d.id ? (
                    <Settle
                      d={d}
                      onDone={(m) => {
                        setSettling(null);
                        onDone(m);
                      }}
                    />
                  ) : (
                    <Group mt="xs">
                      <Button size="xs" variant="default" onClick={() => setSettling(d.id)}>
                        Settle…
                      </Button>
                    </Group>
                  ))}
              </Card>
            ))}
          </Stack>
        )}
      </Loaded>
    </Card>
  );
};
