import {
  Alert,
  Button,
  Card,
  Code,
  Group,
  NumberInput,
  PasswordInput,
  Progress,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import type { z } from 'zod';
import { ConnectSmsBody, type SmsSettings } from '../../../../../src/contracts/sms';
import { api } from '../../shared/api';
import { Feedback, useSubmit } from '../../shared/feedback';
import { useContractForm } from '../../shared/form';
import { Loaded } from '../../shared/loaded';
import { useApi, useInvalidate } from '../../shared/query';

type SettingsT = z.infer<typeof SmsSettings>;
type Values = {
  accountSid: string;
  authToken: string;
  sender: string;
  monthlyCap: number;
  quietStart: string;
  quietEnd: string;
};

const HOURS = Array.from({ length: 24 }, (_, h) => ({
  value: String(h),
  label: `${String(h).padStart(2, '0')}:00`,
}));
const hour = (h: number) => `${String(h).padStart(2, '0')}:00`;

const ConnectForm = ({ current, onDone }: { current: SettingsT; onDone: (notice: string) => void }) => {
  const invalidate = useInvalidate();
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: ConnectSmsBody,
    initialValues: {
      accountSid: '',
      authToken: '',
      sender: current.sender ?? '',
      monthlyCap: current.monthlyCap,
      quietStart: String(current.quietStart),
      quietEnd: String(current.quietEnd),
    } as Values,
    toBody: (v: Values) => ({
      accountSid: v.accountSid.trim(),
      authToken: v.authToken.trim(),
      sender: v.sender.replace(/\s+/g, ''),
      monthlyCap: Number(v.monthlyCap),
      quietStart: Number(v.quietStart),
      quietEnd: Number(v.quietEnd),
    }),
  });
  return (
    <form
      noValidate
      aria-label="Connect texts"
      onSubmit={submit(async (body) => {
        await api('PUT', '/api/v1/organization/sms', body);
        invalidate('organization');
        onDone('Texts are connected: customers with a mobile number get them from now on');
      })}
    >
      <Stack gap="sm">
        <Text size="sm">
          Texts go through your own Twilio account: its account SID and auth token are on the Twilio console’s
          first page. The token is kept encrypted and never shown again.
        </Text>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput label="Twilio account SID" placeholder="AC…" {...form.getInputProps('accountSid')} />
          <PasswordInput label="Auth token" {...form.getInputProps('authToken')} />
          <TextInput
            label="Send from"
            description="Your Twilio number, e.g. +353861234567, or a messaging service (MG…)"
            {...form.getInputProps('sender')}
          />
          <NumberInput
            label="Most texts a month"
            description="Nothing is sent past it; e-mail goes on"
            min={0}
            {...form.getInputProps('monthlyCap')}
          />
          <Select
            label="Quiet from"
            data={HOURS}
            allowDeselect={false}
            {...form.getInputProps('quietStart')}
          />
          <Select
            label="Quiet until"
            data={HOURS}
            allowDeselect={false}
            {...form.getInputProps('quietEnd')}
          />
        </SimpleGrid>
        {errorAlert}
        <Group>
          <Button type="submit" loading={busy}>
            Connect texts
          </Button>
        </Group>
      </Stack>
    </form>
  );
};

/**
 * Settings → Customer messages → Texts: the organization's Twilio account, quiet hours (no text at night in
 * the business's time zone), a monthly cap with this month's use, and who replied STOP.
 */
export const TextSettings = () => {
  const settings = useApi(['organization', 'sms'], () => api<SettingsT>('GET', '/api/v1/organization/sms'));
  const [notice, setNotice] = useState<string | null>(null);
  const [changing, setChanging] = useState(false);
  const stop = useSubmit();
  const invalidate = useInvalidate();
  return (
    <Card withBorder component="section" aria-label="Texts to customers">
      <Stack gap="sm">
        <Title order={3} size="h4">
          Texts to customers
        </Title>
        <Feedback notice={notice} onCloseNotice={() => setNotice(null)} />
        <Loaded resource={settings} what="the text settings">
          {(s) =>
            s.connected && !changing ? (
              <Stack gap="xs">
                <Text size="sm">
                  Texts go from <strong>{s.sender}</strong> (Twilio account {s.accountHint}), never between{' '}
                  {hour(s.quietStart)} and {hour(s.quietEnd)}: what can wait goes in the morning, “on my way”
                  is dropped.
                </Text>
                <Stack gap={2}>
                  <Progress
                    value={s.monthlyCap > 0 ? Math.min(100, (s.sentThisMonth / s.monthlyCap) * 100) : 100}
                    color={s.sentThisMonth >= s.monthlyCap ? 'red' : 'blue'}
                    aria-label="Texts this month"
                  />
                  <Text size="xs" c="dimmed">
                    {s.sentThisMonth} of {s.monthlyCap} texts this month
                    {s.optedOut > 0
                      ? ` · ${s.optedOut} ${s.optedOut === 1 ? 'number' : 'numbers'} replied STOP`
                      : ''}
                  </Text>
                </Stack>
                <Alert color="blue" variant="light" title="At Twilio">
                  <Text size="sm">
                    Set your number’s “A message comes in” webhook to{' '}
                    <Code style={{ wordBreak: 'break-all' }}>{s.inboundUrl}</Code> so replies of STOP and
                    START reach Closeout.
                  </Text>
                </Alert>
                {stop.feedback}
                <Group>
                  <Button variant="default" onClick={() => setChanging(true)}>
                    Change the account or limits
                  </Button>
                  <Button
                    color="red"
                    variant="light"
                    loading={stop.busy}
                    onClick={() =>
                      void stop.run(async () => {
                        await api('DELETE', '/api/v1/organization/sms');
                        // Said above the form that replaces this block, so it outlives the reload.
                        setNotice('Texts are stopped: customers get e-mail only');
                        invalidate('organization');
                        settings.reload();
                        return '';
                      })
                    }
                  >
                    Stop texts
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
            )
          }
        </Loaded>
      </Stack>
    </Card>
  );
};
