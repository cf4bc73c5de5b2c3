import { Badge, Button, Card, Group, MultiSelect, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import type { z } from 'zod';
import { type Invitation, InviteUserBody } from '../../../../../src/contracts/auth';
import { ROLE_WORDS, ROLES } from '../../../../../src/core/roles';
import { api } from '../../shared/api';
import { useSubmit } from '../../shared/feedback';
import { useContractForm } from '../../shared/form';
import { dateTime } from '../../shared/format';
import { Loaded } from '../../shared/loaded';
import { useMe } from '../../shared/me';
import { useApi, useInvalidate } from '../../shared/query';
import { ResourceTable } from '../../shared/resource-table';

type InvitationT = z.infer<typeof Invitation>;
type Values = { name: string; email: string; roles: string[] };
const ROLE_OPTIONS = ROLES.map((r) => ({ value: r, label: ROLE_WORDS[r] }));
const STATUS_WORDS: Record<InvitationT['status'], { label: string; color: string }> = {
  pending: { label: 'Waiting for them', color: 'blue' },
  expired: { label: 'Link expired', color: 'orange' },
  accepted: { label: 'Joined', color: 'green' },
  withdrawn: { label: 'Withdrawn', color: 'gray' },
};

/**
 * Invite a member of staff by e-mail: they choose their own password from the link, so nobody else knows it.
 * Open invitations are listed with "send again" and "withdraw".
 */
export const Invitations = ({ onJoined }: { onJoined?: () => void }) => {
  const tz = useMe().organization.timeZone;
  const phone = useMediaQuery('(max-width: 48em)') ?? false;
  const list = useApi(['users', 'invitations'], () =>
    api<{ items: InvitationT[] }>('GET', '/api/v1/invitations'),
  );
  const invalidate = useInvalidate();
  const act = useSubmit();
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: InviteUserBody,
    initialValues: { name: '', email: '', roles: ['technician'] } satisfies Values as Values,
    toBody: (v: Values) =>
      ({ name: v.name, email: v.email.trim(), roles: v.roles }) as z.input<typeof InviteUserBody>,
  });
  return (
    <Card withBorder component="section" aria-label="Invite your team">
      <Stack gap="sm">
        <Title order={2} size="h4">
          Invite your team
        </Title>
        <Text size="sm" c="dimmed">
          They get an e-mail with a link to choose their own password; it works for 7 days.
        </Text>
        <form
          noValidate
          aria-label="Invite someone"
          onSubmit={submit(async (body) => {
            await api('POST', '/api/v1/invitations', body);
            form.reset();
            invalidate('users');
            await act.run(async () => `An invitation is on its way to ${body.email}.`);
            onJoined?.();
          })}
        >
          <Group align="flex-start">
            <TextInput label="Full name" required {...form.getInputProps('name')} />
            <TextInput label="Their e-mail" type="email" required {...form.getInputProps('email')} />
            <MultiSelect label="Roles" data={ROLE_OPTIONS} miw={220} {...form.getInputProps('roles')} />
            <Button type="submit" mt={24} loading={busy}>
              Send invitation
            </Button>
          </Group>
          {errorAlert}
        </form>
        {act.feedback}
        <Loaded resource={list} what="invitations">
          {(l) =>
            l.items.length > 0 && (
              <ResourceTable
                label="Open invitations"
                rows={l.items}
                rowKey={(r) => r.id}
                phone={phone}
                empty="No open invitations."
                columns={[
                  { header: 'Name', cell: (r) => r.name },
                  { header: 'E-mail', cell: (r) => r.email },
                  { header: 'Roles', cell: (r) => r.roles.map((x) => ROLE_WORDS[x]).join(', ') },
                  {
                    header: 'Status',
                    cell: (r) => (
                      <Badge variant="light" color={STATUS_WORDS[r.status].color}>
                        {STATUS_WORDS[r.status].label}
                      </Badge>
                    ),
                  },
                  { header: 'Sent', cell: (r) => dateTime(r.sentAt, tz) },
                  {
                    header: 'Actions',
                    cell: (r) => (
                      <Group gap="xs" wrap="nowrap">
                        <Button
                          size="xs"
                          variant="default"
                          aria-label={`Send the invitation to ${r.email} again`}
                          onClick={() =>
                            act.run(async () => {
                              await api('POST', `/api/v1/invitations/${r.id}/resend`);
                              invalidate('users');
                              return `Sent again to ${r.email}; the earlier link no longer works.`;
                            })
                          }
                        >
                          Send again
                        </Button>
                        <Button
                          size="xs"
                          variant="light"
                          color="red"
                          aria-label={`Withdraw the invitation to ${r.email}`}
                          onClick={() =>
                            act.run(async () => {
                              await api('POST', `/api/v1/invitations/${r.id}/withdraw`);
                              invalidate('users');
                              return `The invitation to ${r.email} is withdrawn.`;
                            })
                          }
                        >
                          Withdraw
                        </Button>
                      </Group>
                    ),
                  },
                ]}
              />
            )
          }
        </Loaded>
      </Stack>
    </Card>
  );
};
