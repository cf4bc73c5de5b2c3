import { Badge, Button, Card, Group, Stack, Switch, Text, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import type { z } from 'zod';
import type { SignIn } from '../../../../../src/contracts/auth';
import { SIGN_IN_OUTCOME_WORDS } from '../../../../../src/core/account-security';
import { api, type MeT } from '../../shared/api';
import { useSubmit } from '../../shared/feedback';
import { dateTime } from '../../shared/format';
import { useMe } from '../../shared/me';
import { useApi, useApiPages, useInvalidate } from '../../shared/query';
import { ResourceTable } from '../../shared/resource-table';

type SignInT = z.infer<typeof SignIn>;
const OUTCOME_COLOR: Record<SignInT['outcome'], string> = {
  signed_in: 'green',
  code_needed: 'blue',
  wrong_password: 'red',
  wrong_code: 'red',
};

/** The owner's rule: owners and billing sign in with a second factor. The owner needs one first. */
export const SecondFactorRule = () => {
  const org = useApi(['organization'], () => api<MeT['organization']>('GET', '/api/v1/organization'));
  const act = useSubmit();
  const invalidate = useInvalidate();
  const on = org.data?.twoFactorRequired ?? false;
  return (
    <Card withBorder component="section" aria-label="Two-step sign-in rule">
      <Stack gap="sm">
        <Title order={2} size="h4">
          Two-step sign-in
        </Title>
        <Switch
          label="Owners and billing staff must sign in with a code from their phone"
          description="Those without it set it up the next time they use Closeout, before anything else. Turn it on for yourself first, under Your account."
          checked={on}
          disabled={!org.data || act.busy}
          onChange={(e) => {
            const required = e.currentTarget.checked;
            void act.run(async () => {
              await api('PUT', '/api/v1/organization/security', { twoFactorRequired: required });
              invalidate('organization');
              return required
                ? 'Two-step sign-in is now required of owners and billing.'
                : 'Two-step sign-in is optional again.';
            });
          }}
        />
        {act.feedback}
      </Stack>
    </Card>
  );
};

/** Every sign-in to the organization's accounts, newest first: who, when, from where, and how it went. */
export const SignInHistory = () => {
  const tz = useMe().organization.timeZone;
  const phone = useMediaQuery('(max-width: 48em)') ?? false;
  const list = useApiPages<SignInT>(['users', 'sign-ins'], '/api/v1/sign-ins', 25);
  return (
    <Card withBorder component="section" aria-label="Sign-in history">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={2} size="h4">
            Sign-in history
          </Title>
          <Button size="xs" variant="default" onClick={list.reload} loading={list.loading}>
            Refresh
          </Button>
        </Group>
        <Text size="sm" c="dimmed">
          Each attempt to sign in to your people's accounts. Wrong passwords from an address you do not know
          are worth a word with the person.
        </Text>
        {list.error && <Text c="red">{list.error}</Text>}
        {list.rows && (
          <ResourceTable
            label="Sign-ins"
            rows={list.rows}
            rowKey={(r) => r.id}
            phone={phone}
            empty="No sign-ins yet."
            columns={[
              { header: 'When', cell: (r) => dateTime(r.at, tz) },
              { header: 'Who', cell: (r) => r.name },
              {
                header: 'Outcome',
                cell: (r) => (
                  <Badge variant="light" color={OUTCOME_COLOR[r.outcome]}>
                    {SIGN_IN_OUTCOME_WORDS[r.outcome]}
                  </Badge>
                ),
              },
              { header: 'Device', cell: (r) => r.deviceWords },
              { header: 'Address', cell: (r) => r.ip },
            ]}
          />
        )}
        {list.hasMore && (
          <Group>
            <Button variant="default" size="xs" onClick={list.loadMore} loading={list.loadingMore}>
              Show more
            </Button>
          </Group>
        )}
      </Stack>
    </Card>
  );
};
