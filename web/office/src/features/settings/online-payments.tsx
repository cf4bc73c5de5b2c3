import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Code,
  Group,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import type { z } from 'zod';
import { ConnectPaymentsBody, type PaymentConnection } from '../../../../../src/contracts/portal';
import { api } from '../../shared/api';
import { useSubmit } from '../../shared/feedback';
import { orNull, useContractForm } from '../../shared/form';
import { Loaded } from '../../shared/loaded';
import { useApi, useInvalidate } from '../../shared/query';

type ConnectionT = z.infer<typeof PaymentConnection>;

const METHOD_WORDS: Record<string, string> = {
  card: 'Cards',
  sepa_debit: 'SEPA Direct Debit',
  us_bank_account: 'US bank account (ACH)',
};

type Values = { secretKey: string; webhookSecret: string; apiBaseUrl: string; methods: string[] };

/** Connecting the organization's Stripe account: its keys, the methods offered, and where Stripe sends events. */
const ConnectStripe = ({ replacing, onDone }: { replacing: boolean; onDone: (m: string) => void }) => {
  const invalidate = useInvalidate();
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: ConnectPaymentsBody,
    initialValues: { secretKey: '', webhookSecret: '', apiBaseUrl: '', methods: ['card'] } satisfies Values,
    toBody: (v: Values) => ({
      provider: 'stripe' as const,
      secretKey: v.secretKey.trim(),
      webhookSecret: v.webhookSecret.trim(),
      ...(orNull(v.apiBaseUrl) ? { apiBaseUrl: v.apiBaseUrl.trim() } : {}),
      methods: v.methods as ('card' | 'sepa_debit' | 'us_bank_account')[],
    }),
  });
  return (
    <form
      noValidate
      aria-label="Connect Stripe"
      onSubmit={submit(async (body) => {
        await api('POST', '/api/v1/payment-connections', body);
        invalidate('integrations');
        form.reset();
        onDone(
          replacing ? 'Stripe keys replaced' : 'Stripe connected: customers can pay their invoices online',
        );
      })}
    >
      <Stack gap="xs">
        <PasswordInput
          label="Secret key"
          description="From Stripe's dashboard, Developers → API keys: sk_live_… (or a restricted key rk_live_…)"
          {...form.getInputProps('secretKey')}
        />
        <PasswordInput
          label="Webhook signing secret"
          description="From the webhook you add in Stripe for the address shown below: whsec_…"
          {...form.getInputProps('webhookSecret')}
        />
        <Checkbox.Group label="Ways to pay offered to customers" {...form.getInputProps('methods')}>
          <Group mt={4}>
            {Object.entries(METHOD_WORDS).map(([value, label]) => (
              <Checkbox key={value} value={value} label={label} />
            ))}
          </Group>
        </Checkbox.Group>
        <TextInput
          label="API address (only for a gateway in front of Stripe)"
          placeholder="https://api.stripe.com"
          {...form.getInputProps('apiBaseUrl')}
        />
        {errorAlert}
        <Group>
          <Button type="submit" loading={busy}>
            {replacing ? 'Replace the keys' : 'Connect Stripe'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
};

/**
 * Online payments: the Stripe account customers pay into from the portal and the invoice e-mail. The keys
 * are never shown again (only their last four characters); the events address is what to register at Stripe.
 */
export const OnlinePayments = () => {
  const list = useApi(['integrations', 'payments'], () =>
    api<{ items: ConnectionT[] }>('GET', '/api/v1/payment-connections').then((r) => r.items),
  );
  const [notice, setNotice] = useState<string | null>(null);
  const [replacing, setReplacing] = useState(false);
  const invalidate = useInvalidate();
  const s = useSubmit();
  return (
    <Stack gap="sm">
      <Title order={3}>Online payments</Title>
      {notice && (
        <Alert color="green" role="status" withCloseButton onClose={() => setNotice(null)}>
          {notice}
        </Alert>
      )}
      <Loaded resource={list} what="online payments">
        {(items) => {
          const stripe = items.find((c) => c.provider === 'stripe');
          const active = stripe?.status === 'active';
          return (
            <Stack gap="sm">
              {stripe ? (
                <Stack gap={4}>
                  <Group gap="xs">
                    <Text fw={600}>Stripe</Text>
                    <Badge color={active ? 'green' : 'gray'}>
                      {active ? 'Taking payments' : 'Switched off'}
                    </Badge>
                    <Text size="sm" c="dimmed">
                      key ending {stripe.keyHint} ·{' '}
                      {stripe.methods.map((m) => METHOD_WORDS[m] ?? m).join(', ')}
                    </Text>
                  </Group>
                  <Text size="sm">
                    Stripe sends payment events to <Code>{stripe.eventsUrl}</Code>: add this address as a
                    webhook in Stripe for the checkout events, then paste its signing secret here.
                  </Text>
                  <Group>
                    {active && (
                      <Button
                        size="xs"
                        variant="default"
                        loading={s.busy}
                        onClick={() =>
                          void s.run(async () => {
                            await api('POST', `/api/v1/payment-connections/${stripe.id}/disconnect`, {});
                            invalidate('integrations');
                            return 'Online payments switched off: the Pay now buttons are gone';
                          })
                        }
                      >
                        Switch off online payments
                      </Button>
                    )}
                    <Button size="xs" variant="default" onClick={() => setReplacing(!replacing)}>
                      {replacing ? 'Keep the keys' : active ? 'Replace the keys' : 'Connect again'}
                    </Button>
                  </Group>
                  {s.feedback}
                </Stack>
              ) : (
                <Text size="sm" c="dimmed">
                  Not connected: customers pay by bank transfer. Connect Stripe to put Pay now on every
                  invoice.
                </Text>
              )}
              {(!stripe || replacing) && (
                <ConnectStripe
                  replacing={stripe !== undefined}
                  onDone={(m) => {
                    setReplacing(false);
                    setNotice(m);
                  }}
                />
              )}
            </Stack>
          );
        }}
      </Loaded>
    </Stack>
  );
};
