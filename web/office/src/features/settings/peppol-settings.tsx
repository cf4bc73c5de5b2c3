import {
  Alert,
  Button,
  Card,
  Group,
  PasswordInput,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import type { z } from 'zod';
import {
  ConnectPeppolBody,
  type PeppolSettings as PeppolSettingsSchema,
} from '../../../../../src/contracts/peppol';
import { api } from '../../shared/api';
import { Feedback, useSubmit } from '../../shared/feedback';
import { useContractForm } from '../../shared/form';
import { Loaded } from '../../shared/loaded';
import { useApi, useInvalidate } from '../../shared/query';

type SettingsT = z.infer<typeof PeppolSettingsSchema>;
type Values = { apiKey: string; senderAccount: string };

const ConnectForm = ({ current, onDone }: { current: SettingsT; onDone: (notice: string) => void }) => {
  const invalidate = useInvalidate();
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: ConnectPeppolBody,
    initialValues: { apiKey: '', senderAccount: current.senderAccount ?? '' } as Values,
    toBody: (v: Values) => ({ apiKey: v.apiKey.trim(), senderAccount: v.senderAccount.trim() }),
  });
  return (
    <form
      noValidate
      aria-label="Connect Peppol"
      onSubmit={submit(async (body) => {
        await api('PUT', '/api/v1/organization/peppol', body);
        invalidate('organization');
        onDone(
          'Peppol is connected: customers with a Peppol ID get their invoices over the network from now on',
        );
      })}
    >
      <Stack gap="sm">
        <Text size="sm">
          Your access point carries e-invoices to your customers’ accounting systems. Closeout works with
          Storecove: create an API key and your business’s legal entity there, then enter both here. The key
          is kept encrypted and never shown again.
        </Text>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <PasswordInput label="Storecove API key" {...form.getInputProps('apiKey')} />
          <TextInput
            label="Legal entity ID"
            description="The number Storecove gave your business, e.g. 100443"
            inputMode="numeric"
            {...form.getInputProps('senderAccount')}
          />
        </SimpleGrid>
        {errorAlert}
        <Group>
          <Button type="submit" loading={busy}>
            Connect Peppol
          </Button>
        </Group>
      </Stack>
    </form>
  );
};

/**
 * Settings → Connectors → E-invoices over Peppol: the access point that sends invoices and credit notes to
 * customers with a Peppol ID instead of e-mailing them, and what the business still needs for it.
 */
export const PeppolSettings = () => {
  const settings = useApi(['organization', 'peppol'], () =>
    api<SettingsT>('GET', '/api/v1/organization/peppol'),
  );
  const [notice, setNotice] = useState<string | null>(null);
  const [changing, setChanging] = useState(false);
  const stop = useSubmit();
  const invalidate = useInvalidate();
  return (
    <Card withBorder component="section" aria-label="E-invoices over Peppol">
      <Stack gap="sm">
        <Title order={3} size="h4">
          E-invoices over Peppol
        </Title>
        <Feedback notice={notice} onCloseNotice={() => setNotice(null)} />
        <Loaded resource={settings} what="the Peppol settings">
          {(s) => (
            <Stack gap="sm">
              {!s.participantId && (
                <Alert color="yellow" variant="light" title="Your business has no Peppol ID yet">
                  <Text size="sm">
                    Add it in Settings → Billing (for example 0088:5790000435944). Until then every invoice
                    goes by e-mail.
                  </Text>
                </Alert>
              )}
              {s.connected && !changing ? (
                <Stack gap="xs">
                  <Text size="sm">
                    Invoices and credit notes to customers with a Peppol ID go through Storecove (key{' '}
                    {s.keyHint}, legal entity {s.senderAccount})
                    {s.participantId ? `, from ${s.participantId}` : ''}. A customer not on the network gets
                    the e-mail instead, and the invoice’s history says so.
                  </Text>
                  {stop.feedback}
                  <Group>
                    <Button variant="default" onClick={() => setChanging(true)}>
                      Change the key
                    </Button>
                    <Button
                      color="red"
                      variant="light"
                      loading={stop.busy}
                      onClick={() =>
                        void stop.run(async () => {
                          await api('DELETE', '/api/v1/organization/peppol');
                          // Said above the form that replaces this block, so it outlives the reload.
                          setNotice('Peppol is switched off: invoices go by e-mail');
                          invalidate('organization');
                          settings.reload();
                          return '';
                        })
                      }
                    >
                      Stop sending over Peppol
                    </Button>
                  </Group>
                </Stack>
              ) : (
                <ConnectForm
                  current={s}
                  onDone={(n) => {
                    setChanging(false);
                    setNotice(n);
                    settings.reload();
                  }}
                />
              )}
            </Stack>
          )}
        </Loaded>
      </Stack>
    </Card>
  );
};
