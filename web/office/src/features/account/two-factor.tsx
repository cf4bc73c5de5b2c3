import {
  Alert,
  Badge,
  Button,
  Card,
  Code,
  CopyButton,
  Group,
  Image,
  List,
  PasswordInput,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import type { z } from 'zod';
import type { SecondFactorSetup, SecondFactorStatus } from '../../../../../src/contracts/auth';
import { api } from '../../shared/api';
import { Feedback, useSubmit } from '../../shared/feedback';
import { dateTime, plural } from '../../shared/format';
import { Loaded } from '../../shared/loaded';
import { useMe } from '../../shared/me';
import { useApi, useInvalidate } from '../../shared/query';

type SetupT = z.infer<typeof SecondFactorSetup>;
type StatusT = z.infer<typeof SecondFactorStatus>;

/** The recovery codes, shown once: to copy or download and keep somewhere other than the phone. */
export const RecoveryCodesList = ({ codes }: { codes: string[] }) => (
  <Alert color="yellow" title="Your recovery codes: keep them safe" role="status">
    <Text size="sm" mb="xs">
      Each code signs you in once if your phone is lost. They are shown only now: copy or download them and
      keep them somewhere other than your phone.
    </Text>
    <SimpleGrid cols={{ base: 2, sm: 5 }} spacing="xs" aria-label="Recovery codes">
      {codes.map((c) => (
        <Code key={c}>{c}</Code>
      ))}
    </SimpleGrid>
    <Group mt="sm">
      <CopyButton value={codes.join('\n')}>
        {({ copied, copy }) => (
          <Button size="xs" variant="default" onClick={copy}>
            {copied ? 'Copied' : 'Copy the codes'}
          </Button>
        )}
      </CopyButton>
      <Button
        size="xs"
        variant="default"
        component="a"
        download="closeout-recovery-codes.txt"
        href={`data:text/plain;charset=utf-8,${encodeURIComponent(`Closeout recovery codes\n\n${codes.join('\n')}\n`)}`}
      >
        Download
      </Button>
    </Group>
  </Alert>
);

/**
 * Setting up an authenticator app: scan the QR code (or type the key), then prove it with a code. Ends with
 * the recovery codes on screen.
 */
export const SecondFactorSetupSteps = ({ onEnabled }: { onEnabled: (codes: string[]) => void }) => {
  const [setup, setSetup] = useState<SetupT | null>(null);
  const [code, setCode] = useState('');
  const start = useSubmit();
  const confirm = useSubmit();
  if (!setup)
    return (
      <Stack gap="xs" align="flex-start">
        <Button
          loading={start.busy}
          onClick={() =>
            start.run(async () => {
              setSetup(await api<SetupT>('POST', '/api/v1/me/two-factor/setup'));
              return '';
            })
          }
        >
          Set up two-step sign-in
        </Button>
        <Feedback error={start.error} />
      </Stack>
    );
  return (
    <form
      aria-label="Confirm your authenticator app"
      onSubmit={(e) => {
        e.preventDefault();
        void confirm.run(async () => {
          const res = await api<{ recoveryCodes: string[] }>('POST', '/api/v1/me/two-factor/confirm', {
            code,
          });
          onEnabled(res.recoveryCodes);
          return '';
        });
      }}
    >
      <Stack gap="sm">
        <List type="ordered" size="sm" spacing={4}>
          <List.Item>
            Open an authenticator app on your phone (Google Authenticator, Microsoft Authenticator,
            1Password…).
          </List.Item>
          <List.Item>Scan this code with it, or type the key below.</List.Item>
          <List.Item>Enter the six-digit code the app shows.</List.Item>
        </List>
        <Group align="flex-start" wrap="wrap">
          <Image src={setup.qrCode} alt="QR code to scan with your authenticator app" w={180} h={180} />
          <Stack gap={4}>
            <Text size="sm" c="dimmed">
              Key, to type instead
            </Text>
            <Code aria-label="Key to type">{setup.secret}</Code>
          </Stack>
        </Group>
        <Group align="flex-end">
          <TextInput
            label="Code from the app"
            autoComplete="one-time-code"
            inputMode="numeric"
            value={code}
            onChange={(e) => setCode(e.currentTarget.value)}
            w={180}
          />
          <Button type="submit" loading={confirm.busy}>
            Turn on
          </Button>
        </Group>
        <Feedback error={confirm.error} />
      </Stack>
    </form>
  );
};

/** Asks for the password before a change to the second factor (new codes, turning it off). */
const WithPassword = ({
  label,
  color,
  onConfirm,
  onCancel,
}: {
  label: string;
  color?: string;
  onConfirm: (password: string) => Promise<string>;
  onCancel: () => void;
}) => {
  const [password, setPassword] = useState('');
  const act = useSubmit();
  return (
    <form
      aria-label={label}
      onSubmit={(e) => {
        e.preventDefault();
        void act.run(() => onConfirm(password));
      }}
    >
      <Group align="flex-end">
        <PasswordInput
          label="Your password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.currentTarget.value)}
          w={240}
        />
        <Button type="submit" loading={act.busy} {...(color ? { color } : {})}>
          {label}
        </Button>
        <Button variant="default" onClick={onCancel}>
          Cancel
        </Button>
      </Group>
      <Feedback error={act.error} />
    </form>
  );
};

/** The account page's card: whether two-step sign-in is on, and setting it up, renewing codes or turning it off. */
export const TwoFactorCard = () => {
  const me = useMe();
  const status = useApi(['account', 'two-factor'], () => api<StatusT>('GET', '/api/v1/me/two-factor'));
  const invalidate = useInvalidate();
  const [codes, setCodes] = useState<string[] | null>(null);
  const [asking, setAsking] = useState<'codes' | 'off' | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  return (
    <Card withBorder component="section" aria-label="Two-step sign-in">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={2} size="h4">
            Two-step sign-in
          </Title>
          {status.data && (
            <Badge color={status.data.enabled ? 'green' : 'gray'}>{status.data.enabled ? 'On' : 'Off'}</Badge>
          )}
        </Group>
        <Text size="sm" c="dimmed">
          After your password, Closeout asks for a code from an app on your phone, so a stolen password alone
          does not open your account.
        </Text>
        <Feedback notice={notice} />
        {codes && <RecoveryCodesList codes={codes} />}
        <Loaded resource={status} what="your sign-in settings">
          {(s) =>
            !s.enabled ? (
              <SecondFactorSetupSteps
                onEnabled={(c) => {
                  setCodes(c);
                  setNotice('Two-step sign-in is on.');
                  invalidate('account');
                }}
              />
            ) : (
              <Stack gap="xs">
                <Text size="sm">
                  On since {dateTime(s.enabledAt, me.organization.timeZone)}.{' '}
                  {plural(s.recoveryCodesLeft, 'recovery code', 'recovery codes')} left.
                  {s.required && ' Your organization requires it for your role.'}
                </Text>
                {asking === 'codes' ? (
                  <WithPassword
                    label="Make new recovery codes"
                    onCancel={() => setAsking(null)}
                    onConfirm={async (password) => {
                      const res = await api<{ recoveryCodes: string[] }>(
                        'POST',
                        '/api/v1/me/two-factor/recovery-codes',
                        { password },
                      );
                      setCodes(res.recoveryCodes);
                      setAsking(null);
                      setNotice('New recovery codes made; the old ones no longer work.');
                      invalidate('account');
                      return '';
                    }}
                  />
                ) : asking === 'off' ? (
                  <WithPassword
                    label="Turn off two-step sign-in"
                    color="red"
                    onCancel={() => setAsking(null)}
                    onConfirm={async (password) => {
                      await api('POST', '/api/v1/me/two-factor/disable', { password });
                      setAsking(null);
                      setCodes(null);
                      setNotice('Two-step sign-in is off.');
                      invalidate('account');
                      return '';
                    }}
                  />
                ) : (
                  <Group>
                    <Button variant="default" onClick={() => setAsking('codes')}>
                      New recovery codes
                    </Button>
                    {!s.required && (
                      <Button variant="default" color="red" onClick={() => setAsking('off')}>
                        Turn off
                      </Button>
                    )}
                  </Group>
                )}
              </Stack>
            )
          }
        </Loaded>
      </Stack>
    </Card>
  );
};
