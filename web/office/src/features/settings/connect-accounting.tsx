import {
  Alert,
  Button,
  Collapse,
  Group,
  PasswordInput,
  Radio,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { useState } from 'react';
import type { z } from 'zod';
import type { OAuthAttempt } from '../../../../../src/contracts/integrations';
import { api } from '../../shared/api';
import { useSubmit } from '../../shared/feedback';
import { Loaded } from '../../shared/loaded';
import { useApi } from '../../shared/query';
import { PROVIDER_WORDS } from './connector-mappings';

type AttemptT = z.infer<typeof OAuthAttempt>;
type Provider = 'xero' | 'quickbooks';

/** Sends the browser to the provider to sign in and grant access; it comes back to Settings. */
export const goAuthorize = async (body: Record<string, unknown>) => {
  const r = await api<{ authorizeUrl: string }>('POST', '/api/v1/connectors/oauth', body);
  window.location.assign(r.authorizeUrl);
  return 'Opening the sign-in page…';
};

const ENDPOINTS = [
  ['authorizeUrl', 'Sign-in (authorize) address'],
  ['tokenUrl', 'Token address'],
  ['apiBaseUrl', 'API address'],
  ['connectionsUrl', 'Organisations (connections) address'],
  ['revokeUrl', 'Revocation address'],
] as const;

/**
 * "Connect with Xero / QuickBooks": the app registered with the provider (its client ID and secret), then
 * the provider's own sign-in. A gateway standing in for the provider can be named under Advanced.
 */
export const ConnectAccounting = () => {
  const [provider, setProvider] = useState<Provider>('xero');
  const [clientId, setClientId] = useState('');
  const [clientSecret, setClientSecret] = useState('');
  const [advanced, setAdvanced] = useState(false);
  const [endpoints, setEndpoints] = useState<Record<string, string>>({});
  const go = useSubmit();
  const named = Object.fromEntries(Object.entries(endpoints).filter(([, v]) => v.trim()));
  return (
    <form
      aria-label="Connect an accounting system"
      onSubmit={(e) => {
        e.preventDefault();
        void go.run(() =>
          goAuthorize({
            provider,
            clientId,
            clientSecret,
            ...(Object.keys(named).length ? { endpoints: named } : {}),
          }),
        );
      }}
    >
      <Stack maw={640}>
        <Text size="sm" c="dimmed">
          Use the client ID and secret of the app you registered with {PROVIDER_WORDS[provider]}; you then
          sign in there and choose the organisation. Tokens are stored encrypted and never shown.
        </Text>
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <Select
            label="Accounting system"
            data={[
              { value: 'xero', label: 'Xero' },
              { value: 'quickbooks', label: 'QuickBooks Online' },
            ]}
            value={provider}
            onChange={(v) => setProvider((v as Provider | null) ?? 'xero')}
            allowDeselect={false}
          />
          <TextInput
            label="App client ID"
            required
            value={clientId}
            onChange={(e) => setClientId(e.target.value)}
          />
          <PasswordInput
            label="App client secret"
            required
            value={clientSecret}
            onChange={(e) => setClientSecret(e.target.value)}
          />
        </SimpleGrid>
        <Button
          variant="subtle"
          size="xs"
          w="fit-content"
          maw="100%"
          h="auto"
          py={6}
          // Its words wrap on a phone instead of pushing the page wider than the screen.
          styles={{ label: { whiteSpace: 'normal', textAlign: 'left' } }}
          onClick={() => setAdvanced((a) => !a)}
        >
          {advanced ? 'Hide advanced' : 'Advanced: a gateway instead of the provider’s own addresses'}
        </Button>
        <Collapse expanded={advanced}>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            {ENDPOINTS.map(([k, label]) => (
              <TextInput
                key={k}
                label={label}
                value={endpoints[k] ?? ''}
                onChange={(e) => setEndpoints((x) => ({ ...x, [k]: e.target.value }))}
              />
            ))}
          </SimpleGrid>
        </Collapse>
        {go.feedback}
        <Group>
          <Button type="submit" loading={go.busy}>
            Connect with {PROVIDER_WORDS[provider]}
          </Button>
        </Group>
      </Stack>
    </form>
  );
};

/** Back from the provider: connected, refused (why), or which organisation to connect. */
export const OAuthOutcome = ({ attemptId, onDone }: { attemptId: string; onDone: () => void }) => {
  const attempt = useApi(['integrations', 'oauth', attemptId], () =>
    api<AttemptT>('GET', `/api/v1/connectors/oauth/${attemptId}`),
  );
  const [tenant, setTenant] = useState<string | null>(null);
  const pick = useSubmit();
  return (
    <Loaded resource={attempt} what="the connection">
      {(a) => {
        const name = PROVIDER_WORDS[a.provider];
        if (a.status === 'connected')
          return (
            <Alert color="green" role="status" title={`Connected to ${name}`}>
              {a.tenants.length === 1 ? `${a.tenants[0]?.name}: ` : ''}invoices, payments and credits now go
              to {name}. Check the mappings below before the first push.
            </Alert>
          );
        if (a.status === 'failed')
          return (
            <Alert color="red" role="alert" title={`Not connected to ${name}`}>
              {a.message ?? 'The connection did not complete.'}
            </Alert>
          );
        if (a.status === 'choose_tenant')
          return (
            <form
              aria-label={`Choose the ${name} organisation`}
              onSubmit={(e) => {
                e.preventDefault();
                void pick.run(async () => {
                  await api('POST', `/api/v1/connectors/oauth/${a.id}/finish`, { tenantId: tenant });
                  attempt.reload();
                  onDone();
                  return `Connected to ${a.tenants.find((x) => x.id === tenant)?.name ?? name}`;
                });
              }}
            >
              <Stack gap="xs">
                <Radio.Group
                  label={`Your sign-in reaches several ${name} organisations: which one are these books?`}
                  value={tenant}
                  onChange={setTenant}
                >
                  <Stack gap={4} mt="xs">
                    {a.tenants.map((x) => (
                      <Radio key={x.id} value={x.id} label={x.name} />
                    ))}
                  </Stack>
                </Radio.Group>
                {pick.feedback}
                <Group>
                  <Button type="submit" disabled={!tenant} loading={pick.busy}>
                    Connect this organisation
                  </Button>
                </Group>
              </Stack>
            </form>
          );
        return <Text c="dimmed">Waiting for {name}…</Text>;
      }}
    </Loaded>
  );
};
