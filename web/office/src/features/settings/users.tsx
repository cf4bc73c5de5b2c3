import { Badge, Button, Group, MultiSelect, Stack, Table, TextInput } from '@mantine/core';
import { useState } from 'react';
import { api, listAll, type UserT } from '../../shared/api';
import { useSubmit } from '../../shared/feedback';
import { Loaded } from '../../shared/loaded';
import { useApi } from '../../shared/query';

const ROLE_NAMES = ['owner', 'dispatcher', 'technician', 'approver', 'billing'];

/** Edit one user in place: name, roles, labor role and rate. */
const UserForm = ({
  user,
  onSaved,
  onCancel,
}: {
  user: UserT;
  onSaved: () => void;
  onCancel: () => void;
}) => {
  const [name, setName] = useState(user.name);
  const [roles, setRoles] = useState<string[]>(user.roles);
  const [laborRole, setLaborRole] = useState(user.laborRole ?? '');
  const [rate, setRate] = useState(user.hourlyRate ? String(Number(user.hourlyRate).toFixed(2)) : '');
  const s = useSubmit();
  return (
    <form
      aria-label={`Edit ${user.name}`}
      onSubmit={(e) => {
        e.preventDefault();
        void s
          .run(async () => {
            await api('PATCH', `/api/v1/users/${user.id}`, {
              name,
              roles,
              laborRole: laborRole.trim() || null,
              hourlyRate: rate.trim() || null,
            });
            return `${name} saved`;
          })
          .then((ok) => ok && onSaved());
      }}
    >
      <Group align="flex-end">
        <TextInput label="Name" required value={name} onChange={(e) => setName(e.target.value)} />
        <MultiSelect label="Roles" data={ROLE_NAMES} value={roles} onChange={setRoles} w={320} />
        <TextInput label="Labor role" value={laborRole} onChange={(e) => setLaborRole(e.target.value)} />
        <TextInput
          label="Hourly rate"
          inputMode="decimal"
          value={rate}
          onChange={(e) => setRate(e.target.value)}
        />
        <Button type="submit" loading={s.busy}>
          Save
        </Button>
        <Button variant="default" onClick={onCancel}>
          Cancel
        </Button>
      </Group>
      {s.feedback}
    </form>
  );
};

export const Users = () => {
  const list = useApi(['users', 'all'], () => listAll<UserT>('/api/v1/users'));
  const [editing, setEditing] = useState<string | null>(null);
  const act = useSubmit();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [roles, setRoles] = useState<string[]>(['technician']);
  const s = useSubmit();
  return (
    <Stack>
      <Loaded resource={list} what="users">
        {(xs) => (
          <Table aria-label="Users">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>E-mail</Table.Th>
                <Table.Th>Roles</Table.Th>
                <Table.Th>Status</Table.Th>
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
                        {r}
                      </Badge>
                    ))}
                  </Table.Td>
                  <Table.Td>
                    <Badge color={u.active ? 'green' : 'gray'}>{u.active ? 'active' : 'deactivated'}</Badge>
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
      <form
        aria-label="New user"
        onSubmit={(e) => {
          e.preventDefault();
          void s.run(async () => {
            await api('POST', '/api/v1/users', { name, email, password, roles });
            list.reload();
            setName('');
            setEmail('');
            setPassword('');
            return `${name} can sign in now`;
          });
        }}
      >
        <Group align="flex-end">
          <TextInput label="Full name" required value={name} onChange={(e) => setName(e.target.value)} />
          <TextInput
            label="User e-mail"
            type="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
          <TextInput
            label="Initial password"
            type="password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <MultiSelect label="Roles" data={ROLE_NAMES} value={roles} onChange={setRoles} />
          <Button type="submit" loading={s.busy}>
            Add user
          </Button>
        </Group>
      </form>
      {s.feedback}
    </Stack>
  );
};
