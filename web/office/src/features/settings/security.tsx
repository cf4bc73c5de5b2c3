import {
  Alert,
  Badge,
  Button,
  Card,
  Code,
  CopyButton,
  Group,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import type { z } from 'zod';
import type { AuditVerification } from '../../../../../src/contracts/audit';
import { type ApiKey, CreateApiKeyBody, type CreatedApiKey } from '../../../../../src/contracts/auth';
import { ROLE_WORDS, ROLES } from '../../../../../src/core/roles';
import { api } from '../../shared/api';
import { EditModal } from '../../shared/edit-modal';
import { Feedback, useSubmit } from '../../shared/feedback';
import { orNull, useContractForm } from '../../shared/form';
import { dateTime, plural } from '../../shared/format';
import { Loaded } from '../../shared/loaded';
import { useMe } from '../../shared/me';
import { useApi } from '../../shared/query';
import { SecondFactorRule, SignInHistory } from './sign-ins';

type ApiKeyT = z.infer<typeof ApiKey>;
type VerificationT = z.infer<typeof AuditVerification>;
const ROLE_OPTIONS = ROLES.map((r) => ({ value: r, label: ROLE_WORDS[r] }));
/** What an audited record is, as the office names it. */
const RECORD_WORDS: Record<string, string> = {
  job: 'a job',
  invoice: 'an invoice',
  customer: 'a customer',
  approval: 'an approval',
  connector: 'an accounting connection',
  organization: 'the organization',
  user: 'a user',
  series: 'a recurring service',
};

/**
 * Keys for the organization's own programs (a website booking form, a reporting tool): each acts as one
 * role, is shown once when made, and can be revoked at once.
 */
const ApiKeys = () => {
  const me = useMe();
  const tz = me.organization.timeZone;
  const keys = useApi(['api-keys'], () => api<{ items: ApiKeyT[] }>('GET', '/api/v1/api-keys?limit=200'));
  const [created, setCreated] = useState<z.infer<typeof CreatedApiKey> | null>(null);
  const [revoking, setRevoking] = useState<ApiKeyT | null>(null);
  const revoke = useSubmit();
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: CreateApiKeyBody,
    initialValues: { name: '', role: 'dispatcher' } as { name: string; role: string },
    toBody: (v) => ({ name: orNull(v.name) ?? '', role: v.role as 'dispatcher' }),
  });
  return (
    <Card withBorder component="section" aria-label="API keys">
      <Stack gap="sm">
        <Title order={2} size="h4">
          API keys
        </Title>
        <Text size="sm" c="dimmed">
          For your own programs, such as a booking form on your website. A key acts as the role you give it
          and nothing more. It is shown once; keep it in your program's settings.
        </Text>
        <Loaded
          resource={keys}
          what="the API keys"
          isEmpty={(k) => k.items.length === 0}
          empty="No API keys yet."
        >
          {(k) => (
            <Table.ScrollContainer minWidth={640}>
              <Table aria-label="Keys">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Name</Table.Th>
                    <Table.Th>Acts as</Table.Th>
                    <Table.Th>Made</Table.Th>
                    <Table.Th>Last used</Table.Th>
                    <Table.Th />
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {k.items.map((key) => (
                    <Table.Tr key={key.id}>
                      <Table.Td>
                        {key.name}{' '}
                        <Text span size="xs" c="dimmed">
                          starts {key.prefix}
                        </Text>
                      </Table.Td>
                      <Table.Td>{ROLE_WORDS[key.role]}</Table.Td>
                      <Table.Td>{dateTime(key.createdAt, tz)}</Table.Td>
                      <Table.Td>{key.lastUsedAt ? dateTime(key.lastUsedAt, tz) : 'Never'}</Table.Td>
                      <Table.Td>
                        {key.revokedAt ? (
                          <Badge color="gray">Revoked {dateTime(key.revokedAt, tz)}</Badge>
                        ) : (
                          <Button
                            size="xs"
                            variant="light"
                            color="red"
                            aria-label={`Revoke ${key.name}`}
                            onClick={() => setRevoking(key)}
                          >
                            Revoke
                          </Button>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
        </Loaded>
        <EditModal
          opened={revoking !== null}
          onClose={() => setRevoking(null)}
          title={`Revoke ${revoking?.name ?? 'the key'}?`}
          size="md"
        >
          <Stack>
            <Text size="sm">
              Programs using this key stop working at once. A revoked key cannot come back; make a new one
              instead.
            </Text>
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setRevoking(null)}>
                Keep it
              </Button>
              <Button
                color="red"
                loading={revoke.busy}
                onClick={() => {
                  const key = revoking;
                  if (!key) return;
                  void revoke
                    .run(async () => {
                      await api('POST', `/api/v1/api-keys/${key.id}/revoke`);
                      if (created?.apiKey.id === key.id) setCreated(null);
                      keys.reload();
                      return `${key.name} is revoked: it no longer works`;
                    })
                    .then(() => setRevoking(null));
                }}
              >
                Revoke the key
              </Button>
            </Group>
          </Stack>
        </EditModal>
        {revoke.feedback}
        {created && (
          <Alert color="green" title={`${created.apiKey.name} is ready`} role="status">
            <Stack gap={4}>
              <Text size="sm">Copy it now: it will not be shown again.</Text>
              <Group gap="xs">
                <Code data-key>{created.key}</Code>
                <CopyButton value={created.key}>
                  {({ copied, copy }) => (
                    <Button size="xs" variant="light" onClick={copy}>
                      {copied ? 'Copied' : 'Copy'}
                    </Button>
                  )}
                </CopyButton>
              </Group>
            </Stack>
          </Alert>
        )}
        <form
          noValidate
          aria-label="New API key"
          onSubmit={submit(async (body) => {
            const out = await api<z.infer<typeof CreatedApiKey>>('POST', '/api/v1/api-keys', body);
            setCreated(out);
            form.reset();
            keys.reload();
          })}
        >
          <Group align="flex-start">
            <TextInput
              label="What it is for"
              placeholder="Website booking form"
              {...form.getInputProps('name')}
            />
            <Select
              label="Acts as"
              data={ROLE_OPTIONS}
              allowDeselect={false}
              {...form.getInputProps('role')}
            />
            <Button type="submit" mt={24} loading={busy}>
              Make a key
            </Button>
          </Group>
          {errorAlert}
        </form>
      </Stack>
    </Card>
  );
};

/** Every change is chained to the one before it: checking walks the chains and says whether they hold. */
const AuditCheck = () => {
  const [result, setResult] = useState<VerificationT | null>(null);
  const check = useSubmit();
  return (
    <Card withBorder component="section" aria-label="Audit trail">
      <Stack gap="sm">
        <Title order={2} size="h4">
          Audit trail
        </Title>
        <Text size="sm" c="dimmed">
          Every change to jobs, invoices, customers and settings is recorded with who, what, when and why,
          each record sealed to the one before it. Checking proves nothing was altered or removed since.
        </Text>
        <Group>
          <Button
            variant="default"
            loading={check.busy}
            onClick={() =>
              void check.run(async () => {
                setResult(await api<VerificationT>('GET', '/api/v1/audit/verify'));
                return '';
              })
            }
          >
            Check the audit trail
          </Button>
        </Group>
        {check.error && <Feedback notice={null} error={check.error} />}
        {result?.ok && (
          <Alert color="green" role="status" title="The audit trail is intact">
            {plural(result.events, 'recorded change', 'recorded changes')} in{' '}
            {plural(result.chains ?? 0, 'history', 'histories')} checked
            {result.checkpoints ? `, against ${plural(result.checkpoints, 'checkpoint', 'checkpoints')}` : ''}
            .
          </Alert>
        )}
        {result && !result.ok && result.broken && (
          <Alert color="red" role="alert" title="The audit trail does not hold">
            In the history of {RECORD_WORDS[result.broken.aggregateType] ?? 'a record'}, at change{' '}
            {result.broken.seq}: {result.broken.reason}. Nothing in Closeout changes a recorded event; ask who
            has direct access to the database.
          </Alert>
        )}
      </Stack>
    </Card>
  );
};

/** The owner's tab: who must use two-step sign-in, who signed in, keys for programs, and proof that the records are intact. */
export const Security = () => (
  <Stack>
    <SecondFactorRule />
    <SignInHistory />
    <ApiKeys />
    <AuditCheck />
  </Stack>
);
