import { Badge, Button, Card, Group, PasswordInput, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import type { z } from 'zod';
import type { MySession } from '../../../../../src/contracts/auth';
import { passwordProblems } from '../../../../../src/core/password-policy';
import { api } from '../../shared/api';
import { useSubmit } from '../../shared/feedback';
import { dateTime } from '../../shared/format';
import { Loaded } from '../../shared/loaded';
import { useMe } from '../../shared/me';
import { useApi, useInvalidate } from '../../shared/query';
import { TwoFactorCard } from './two-factor';

type SessionT = z.infer<typeof MySession>;

/** Change the password with the current one; every other place signed in is signed out. */
const PasswordCard = () => {
  const me = useMe();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const act = useSubmit();
  const invalidate = useInvalidate();
  const problems = next ? passwordProblems(next, me.user?.email) : [];
  return (
    <Card withBorder component="section" aria-label="Password">
      <form
        aria-label="Change your password"
        onSubmit={(e) => {
          e.preventDefault();
          void act.run(async () => {
            const res = await api<{ otherSessionsEnded: number }>('POST', '/api/v1/me/password', {
              currentPassword: current,
              newPassword: next,
            });
            setCurrent('');
            setNext('');
            invalidate('account');
            return res.otherSessionsEnded > 0
              ? `Password changed. You were signed out everywhere else (${res.otherSessionsEnded}).`
              : 'Password changed.';
          });
        }}
      >
        <Stack gap="sm">
          <Title order={2} size="h4">
            Password
          </Title>
          <Group align="flex-start">
            <PasswordInput
              label="Current password"
              autoComplete="current-password"
              value={current}
              onChange={(e) => setCurrent(e.currentTarget.value)}
              w={260}
            />
            <PasswordInput
              label="New password"
              autoComplete="new-password"
              description="At least 12 characters"
              value={next}
              onChange={(e) => setNext(e.currentTarget.value)}
              error={problems.length > 0 ? `The password ${problems.join(', ')}` : undefined}
              w={260}
            />
          </Group>
          <Group>
            <Button type="submit" loading={act.busy} disabled={!current || !next || problems.length > 0}>
              Change password
            </Button>
          </Group>
          {act.feedback}
        </Stack>
      </form>
    </Card>
  );
};

/** Where this person is signed in, with a way to sign out one place or every other one. */
const SessionsCard = () => {
  const me = useMe();
  const tz = me.organization.timeZone;
  const list = useApi(['account', 'sessions'], () =>
    api<{ items: SessionT[] }>('GET', '/api/v1/me/sessions'),
  );
  const act = useSubmit();
  const invalidate = useInvalidate();
  const others = list.data?.items.filter((s) => !s.current).length ?? 0;
  return (
    <Card withBorder component="section" aria-label="Where you are signed in">
      <Stack gap="sm">
        <Title order={2} size="h4">
          Where you are signed in
        </Title>
        {act.feedback}
        <Loaded resource={list} what="your sessions">
          {(s) => (
            <Table.ScrollContainer minWidth={560}>
              <Table aria-label="Sessions">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Device</Table.Th>
                    <Table.Th>Address</Table.Th>
                    <Table.Th>Signed in</Table.Th>
                    <Table.Th>Last active</Table.Th>
                    <Table.Th />
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {s.items.map((x) => (
                    <Table.Tr key={x.id}>
                      <Table.Td>
                        {x.deviceWords}
                        {x.device && ' (technician app)'}{' '}
                        {x.current && (
                          <Badge size="sm" color="green">
                            This device
                          </Badge>
                        )}
                      </Table.Td>
                      <Table.Td>{x.ip ?? 'Unknown'}</Table.Td>
                      <Table.Td>{dateTime(x.createdAt, tz)}</Table.Td>
                      <Table.Td>{dateTime(x.lastSeenAt, tz)}</Table.Td>
                      <Table.Td>
                        {!x.current && (
                          <Button
                            size="xs"
                            variant="default"
                            aria-label={`Sign out ${x.deviceWords} from ${x.ip ?? 'an unknown address'}`}
                            onClick={() =>
                              act.run(async () => {
                                await api('DELETE', `/api/v1/me/sessions/${x.id}`);
                                invalidate('account');
                                return `Signed out ${x.deviceWords}.`;
                              })
                            }
                          >
                            Sign out
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
        <Group>
          <Button
            variant="default"
            disabled={others === 0}
            loading={act.busy}
            onClick={() =>
              act.run(async () => {
                const res = await api<{ ended: number }>('POST', '/api/v1/me/sessions/sign-out-others');
                invalidate('account');
                return `Signed out everywhere else (${res.ended}).`;
              })
            }
          >
            Sign out everywhere else
          </Button>
        </Group>
        <Text size="xs" c="dimmed">
          Changing your password also signs you out everywhere else.
        </Text>
      </Stack>
    </Card>
  );
};

/** The signed-in person's own account: password, two-step sign-in and sessions. */
export const AccountPage = () => {
  const me = useMe();
  return (
    <Stack maw={900}>
      <Title order={1} size="h2">
        Your account
      </Title>
      <Text c="dimmed">
        {me.user?.name} · {me.user?.email}
      </Text>
      <PasswordCard />
      <TwoFactorCard />
      <SessionsCard />
    </Stack>
  );
};
