import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Code,
  Group,
  PasswordInput,
  Select,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import type { z } from 'zod';
import {
  ConnectPaymentsBody,
  OnlineFeeBody,
  type PaymentConnection,
} from '../../../../../src/contracts/portal';
import { api, type TaxCodeT } from '../../shared/api';
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

type FeeValues = { percent: string; taxCodeId: string };

/**
 * The convenience fee for paying online: a percent of what the customer pays, taxed with a tax code, shown to
 * them before they pay and invoiced on its own document once they have. Off unless set.
 */
const ConvenienceFee = ({ connection }: { connection: ConnectionT }) => {
  const invalidate = useInvalidate();
  const codes = useApi(['integrations', 'tax-codes'], () =>
    api<{ items: TaxCodeT[] }>('GET', '/api/v1/tax-codes').then((r) => r.items),
  );
  const [notice, setNotice] = useState<string | null>(null);
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: OnlineFeeBody,
    initialValues: {
      percent: connection.fee?.percent ?? '',
      taxCodeId: connection.fee?.taxCodeId ?? '',
    } satisfies FeeValues,
    toBody: (v: FeeValues) => ({ fee: { percent: v.percent.trim(), taxCodeId: v.taxCodeId } }),
    fields: { 'fee.percent': 'percent', 'fee.taxCodeId': 'taxCodeId' },
  });
  const put = async (fee: { percent: string; taxCodeId: string } | null) => {
    await api('PUT', `/api/v1/payment-connections/${connection.id}/fee`, { fee });
    invalidate('integrations');
  };
  return (
    <form
      noValidate
      aria-label="Convenience fee"
      onSubmit={submit(async (body) => {
        if (!body.fee) return;
        await put(body.fee);
        setNotice(
          `Customers paying online now pay a ${body.fee.percent} % convenience fee, shown before they pay`,
        );
      })}
    >
      <Stack gap="xs" mt="sm">
        <Text fw={600}>Convenience fee for paying online</Text>
        <Text size="sm" c="dimmed">
          {connection.fee
            ? `${Number(connection.fee.percent)} % of what the customer pays online is added, shown to them before they pay and invoiced on its own receipt. Bank transfers carry no fee.`
            : 'None: customers pay online what the invoice says. A fee is shown to them before they pay and invoiced on its own receipt.'}{' '}
          Surcharges on consumer cards are not allowed in the EU and the UK, and in the US only in some
          states, at most 3 %: check what applies to you.
        </Text>
        <Loaded resource={codes} what="tax codes">
          {(items) => (
            <Group align="flex-start">
              <TextInput
                label="Fee (%)"
                inputMode="decimal"
                placeholder="2.9"
                w={110}
                {...form.getInputProps('percent')}
              />
              <Select
                label="Taxed as"
                data={items.map((c) => ({ value: c.id, label: c.name }))}
                allowDeselect={false}
                w={220}
                {...form.getInputProps('taxCodeId')}
              />
            </Group>
          )}
        </Loaded>
        {errorAlert}
        {notice && (
          <Alert color="green" role="status" withCloseButton onClose={() => setNotice(null)}>
            {notice}
          </Alert>
        )}
        <Group>
          <Button type="submit" size="xs" loading={busy}>
            {connection.fee ? 'Save the fee' : 'Charge this fee'}
          </Button>
          {connection.fee && (
            <Button
              size="xs"
              variant="default"
              onClick={() =>
                void put(null).then(() => {
                  form.setValues({ percent: '', taxCodeId: '' });
                  setNotice('No convenience fee: customers pay online what the invoice says');
                })
              }
            >
              Stop charging a fee
            </Button>
          )}
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
                  {active && <ConvenienceFee connection={stripe} />}
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
