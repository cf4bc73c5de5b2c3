import {
  Alert,
  Badge,
  Button,
  Code,
  CopyButton,
  Group,
  MultiSelect,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useState } from 'react';
import type { z } from 'zod';
import { CreateUserBody, UpdateUserBody } from '../../../../../src/contracts/auth';
import { ROLE_WORDS, ROLES } from '../../../../../src/core/roles';
import { api, listAll, type UserT } from '../../shared/api';
import { Feedback, useSubmit } from '../../shared/feedback';
import { orNull, useContractForm } from '../../shared/form';
import { Loaded } from '../../shared/loaded';
import { useApi } from '../../shared/query';
import { Invitations } from './invitations';

const ROLE_OPTIONS = ROLES.map((r) => ({ value: r, label: ROLE_WORDS[r] }));
const rateText = (s: string) => orNull(s.replace(',', '.'));

type EditValues = { name: string; roles: string[]; laborRole: string; hourlyRate: string };

/** Edit one user in place: name, roles, labour role and rate. */
const UserForm = ({
  user,
  onSaved,
  onCancel,
}: {
  user: UserT;
  onSaved: () => void;
  onCancel: () => void;
}) => {
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: UpdateUserBody,
    initialValues: {
      name: user.name,
      roles: user.roles,
      laborRole: user.laborRole ?? '',
      hourlyRate: user.hourlyRate ? Number(user.hourlyRate).toFixed(2) : '',
    } satisfies EditValues as EditValues,
    toBody: (v: EditValues) =>
      ({
        name: v.name,
        roles: v.roles,
        laborRole: orNull(v.laborRole),
        hourlyRate: rateText(v.hourlyRate),
      }) as z.input<typeof UpdateUserBody>,
  });
  return (
    <form
      noValidate
      aria-label={`Edit ${user.name}`}
      onSubmit={submit(async (body) => {
        await api('PATCH', `/api/v1/users/${user.id}`, body);
        onSaved();
      })}
    >
      <Group align="flex-start">
        <TextInput label="Name" required {...form.getInputProps('name')} />
        <MultiSelect label="Roles" data={ROLE_OPTIONS} w={320} {...form.getInputProps('roles')} />
        <TextInput label="Labour role" {...form.getInputProps('laborRole')} />
        <TextInput label="Hourly rate" inputMode="decimal" {...form.getInputProps('hourlyRate')} />
        <Button type="submit" mt={24} loading={busy}>
          Save
        </Button>
        <Button variant="default" mt={24} onClick={onCancel}>
          Cancel
        </Button>
      </Group>
      {errorAlert}
    </form>
  );
};

type NewValues = { name: string; email: string; password: string; roles: string[] };

/** A new member of staff who signs in with the password given here (an invitation lets them choose it). */
const NewUserForm = ({ onAdded }: { onAdded: (message: string) => void }) => {
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: CreateUserBody,
    initialValues: {
      name: '',
      email: '',
      password: '',
      roles: ['technician'],
    } satisfies NewValues as NewValues,
    toBody: (v: NewValues) =>
      ({ name: v.name, email: v.email.trim(), password: v.password, roles: v.roles }) as z.input<
        typeof CreateUserBody
      >,
  });
  return (
    <form
      noValidate
      aria-label="New user"
      onSubmit={submit(async (body) => {
        await api('POST', '/api/v1/users', body);
        form.reset();
        onAdded(`${body.name} can sign in now`);
      })}
    >
      <Group align="flex-start">
        <TextInput label="Full name" required {...form.getInputProps('name')} />
        <TextInput label="User e-mail" type="email" required {...form.getInputProps('email')} />
        <TextInput label="Initial password" type="password" required {...form.getInputProps('password')} />
        <MultiSelect label="Roles" data={ROLE_OPTIONS} {...form.getInputProps('roles')} />
        <Button type="submit" mt={24} loading={busy}>
          Add user
        </Button>
      </Group>
      {errorAlert}
    </form>
  );
};

export const Users = () => {
  const list = useApi(['users', 'all'], () => listAll<UserT>('/api/v1/users'));
  const [editing, setEditing] = useState<string | null>(null);
  const act = useSubmit();
  const [added, setAdded] = useState<string | null>(null);
  const [feed, setFeed] = useState<{ name: string; url: string } | null>(null);
  return (
    <Stack>
      <Invitations />
      <Loaded resource={list} what="users">
        {(xs) => (
          <Table aria-label="Users">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>E-mail</Table.Th>
                <Table.Th>Roles</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Two-step sign-in</Table.Th>
                <Table.Th>Actions</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {xs.map((u) => (
                <Table.Tr key={u.id}>
                  <Table.Td>{u.name}</Table.Td>
                  <Table.Td>{u.email}</Table.Td>
                  <Table.Td>
                    {u.roles.map((r) => (
                      <Badge key={r} mr={4} variant="light">
                        {ROLE_WORDS[r]}
                      </Badge>
                    ))}
                  </Table.Td>
                  <Table.Td>
                    <Badge color={u.active ? 'green' : 'gray'}>{u.active ? 'Active' : 'Deactivated'}</Badge>
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={u.secondFactor ? 'green' : 'gray'}>
                      {u.secondFactor ? 'On' : 'Off'}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Group gap="xs" wrap="nowrap">
                      <Button
                        size="xs"
                        variant="default"
                        aria-label={`Edit ${u.name}`}
                        onClick={() => setEditing(u.id)}
                      >
                        Edit
                      </Button>
                      {u.active && u.roles.includes('technician') && (
                        <Button
                          size="xs"
                          variant="default"
                          aria-label={`Calendar link for ${u.name}`}
                          onClick={() =>
                            void act.run(async () => {
                              const out = await api<{ url: string }>('POST', '/api/v1/calendar-feeds', {
                                userId: u.id,
                              });
                              setFeed({
                                name: u.name,
                                url: new URL(out.url, window.location.origin).toString(),
                              });
                              return `A new calendar link for ${u.name} is made; the old one stops working`;
                            })
                          }
                        >
                          Calendar link
                        </Button>
                      )}
                      {u.secondFactor && (
                        <Button
                          size="xs"
                          variant="default"
                          aria-label={`Turn off two-step sign-in for ${u.name}`}
                          onClick={() =>
                            void act.run(async () => {
                              await api('DELETE', `/api/v1/users/${u.id}/two-factor`);
                              list.reload();
                              return `Two-step sign-in is off for ${u.name}; they can set it up again with a new phone`;
                            })
                          }
                        >
                          Reset two-step
                        </Button>
                      )}
                      <Button
                        size="xs"
                        variant="light"
                        color={u.active ? 'red' : 'green'}
                        aria-label={`${u.active ? 'Deactivate' : 'Reactivate'} ${u.name}`}
                        onClick={() =>
                          void act.run(async () => {
                            await api('PATCH', `/api/v1/users/${u.id}`, { active: !u.active });
                            list.reload();
                            return u.active
                              ? `${u.name} can no longer sign in; their jobs and records stay`
                              : `${u.name} can sign in again`;
                          })
                        }
                      >
                        {u.active ? 'Deactivate' : 'Reactivate'}
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Loaded>
      {act.feedback}
      {feed && (
        <Alert color="blue" title={`${feed.name}'s calendar`} withCloseButton onClose={() => setFeed(null)}>
          <Text size="sm">
            Add this address as a subscribed calendar on their phone (Google Calendar: "From URL"; Apple: "Add
            subscribed calendar"). It shows their jobs and is shown only now.
          </Text>
          <Group gap="xs" mt={4}>
            <Code data-feed>{feed.url}</Code>
            <CopyButton value={feed.url}>
              {({ copied, copy }) => (
                <Button size="xs" variant="light" onClick={copy}>
                  {copied ? 'Copied' : 'Copy'}
                </Button>
              )}
            </CopyButton>
          </Group>
        </Alert>
      )}
      {editing && list.data?.find((u) => u.id === editing) && (
        <UserForm
          user={list.data.find((u) => u.id === editing) as UserT}
          onCancel={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            list.reload();
          }}
        />
      )}
      <Text size="sm" fw={600}>
        Or add someone now, with a first password you give them
      </Text>
      <NewUserForm
        onAdded={(message) => {
          setAdded(message);
          list.reload();
        }}
      />
      <Feedback notice={added} error={null} />
    </Stack>
  );
};
