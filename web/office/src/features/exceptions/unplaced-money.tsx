import { Button, Group, List, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import type { z } from 'zod';
import type { UnplacedPayment } from '../../../../../src/contracts/portal';
import { api, type IntegrationErrorT } from '../../shared/api';
import { EditModal } from '../../shared/edit-modal';
import { Feedback, useSubmit } from '../../shared/feedback';
import { money } from '../../shared/format';
import { Loaded } from '../../shared/loaded';
import { useApi } from '../../shared/query';

type Unplaced = z.infer<typeof UnplacedPayment>;

const isZero = (v: string) => /^0*(\.0*)?$/.test(v);

/** The two ways to place it, each saying exactly what moves where. */
const Choices = ({ u, onPlaced }: { u: Unplaced; onPlaced: (message: string) => void }) => {
  const s = useSubmit();
  const back = u.backIfApplied;
  const place = (action: 'refund' | 'apply') =>
    void s.run(async () => {
      await api('POST', `/api/v1/unplaced-payments/${u.id}/place`, { action });
      onPlaced(
        action === 'refund'
          ? `${money(u.left, u.currency)} is going back to the customer’s card`
          : `${money(u.applicable, u.currency)} applied to ${u.number}${isZero(back) ? '' : `; ${money(back, u.currency)} going back to the card`}`,
      );
      return '';
    });
  return (
    <Stack>
      <List size="sm" spacing={4}>
        <List.Item>
          Paid online: <b>{money(u.paid, u.currency)}</b> for {u.number}
        </List.Item>
        {!isZero(u.applied) && (
          <List.Item>
            Applied to {u.number}: {money(u.applied, u.currency)}
          </List.Item>
        )}
        {!isZero(u.goingBack) && (
          <List.Item>Going back to the card: {money(u.goingBack, u.currency)}</List.Item>
        )}
        {!isZero(u.sentBack) && <List.Item>Sent back: {money(u.sentBack, u.currency)}</List.Item>}
        <List.Item>
          Still to place: <b>{money(u.left, u.currency)}</b>
        </List.Item>
        <List.Item>
          {isZero(u.applicable)
            ? `Nothing is owed on ${u.number} any more.`
            : `${u.number} still owes ${money(u.applicable, u.currency)} of it.`}
        </List.Item>
      </List>
      <Text size="xs" c="dimmed">
        Money sent back goes to the card or account it came from through Stripe; nothing of it is recorded in
        the books, which never held it. The customer gets a receipt by e-mail.
      </Text>
      <Feedback error={s.error} />
      {isZero(u.left) ? (
        <Text size="sm">Nothing is left to place.</Text>
      ) : (
        <Group>
          {!isZero(u.applicable) && (
            <Button loading={s.busy} onClick={() => place('apply')}>
              {isZero(back)
                ? `Apply ${money(u.applicable, u.currency)} to ${u.number}`
                : `Apply ${money(u.applicable, u.currency)}, refund ${money(back, u.currency)}`}
            </Button>
          )}
          <Button
            variant={isZero(u.applicable) ? 'filled' : 'default'}
            loading={s.busy}
            onClick={() => place('refund')}
          >
            Refund {money(u.left, u.currency)} to the card
          </Button>
        </Group>
      )}
    </Stack>
  );
};

/**
 * Money paid online that did not fit its document (paid another way meanwhile, or credited): billing sends it
 * back to the card, or applies what the document still owes and sends back the rest, from its lane entry.
 */
export const UnplacedMoneyAction = ({
  failure,
  onDone,
}: {
  failure: IntegrationErrorT;
  onDone: (message: string) => void;
}) => {
  const [opened, setOpened] = useState(false);
  const id = failure.unplacedPaymentId;
  const unplaced = useApi(
    ['invoices', 'unplaced', id],
    () => api<Unplaced>('GET', `/api/v1/unplaced-payments/${id}`),
    { enabled: opened && id !== null },
  );
  if (!id) return null;
  return (
    <>
      <Button size="xs" style={{ flexShrink: 0 }} onClick={() => setOpened(true)}>
        Refund or apply…
      </Button>
      <EditModal
        opened={opened}
        onClose={() => setOpened(false)}
        title="Money paid online that did not fit"
        size="md"
      >
        <Loaded resource={unplaced} what="the payment">
          {(u) => (
            <Choices
              u={u}
              onPlaced={(m) => {
                setOpened(false);
                onDone(m);
              }}
            />
          )}
        </Loaded>
      </EditModal>
    </>
  );
};
