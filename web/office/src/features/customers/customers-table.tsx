import { Alert, Button, Group, Stack, Table, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { ApiError, api, type CustomerT, listAll, type MeT } from '../../shared/api';
import { useSubmit } from '../../shared/feedback';
import { Loaded } from '../../shared/loaded';
import { useApi } from '../../shared/query';
import { CustomerForm } from './customer-form';

export const Customers = ({ me }: { me: MeT }) => {
  const list = useApi(['customers', 'all'], () => listAll<CustomerT>('/api/v1/customers'));
  const [editing, setEditing] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [line1, setLine1] = useState('');
  const [city, setCity] = useState('');
  const [postalCode, setPostalCode] = useState('');
  const [duplicate, setDuplicate] = useState<string | null>(null);
  const s = useSubmit();
  const create = (confirmDuplicate: boolean) =>
    s.run(async () => {
      const address = { line1, city, postalCode, country: me.organization.country };
      try {
        await api('POST', '/api/v1/customers', {
          name,
          email: email || null,
          billingAddress: address,
          sites: [{ name: 'Main site', address }],
          ...(confirmDuplicate ? { confirmDuplicate: true } : {}),
        });
      } catch (err) {
        if (err instanceof ApiError && err.status === 409 && !confirmDuplicate) {
          setDuplicate(err.message);
          return 'Not created yet: confirm below';
        }
        throw err;
      }
      setDuplicate(null);
      list.reload();
      return `${name} created`;
    });
  return (
    <Stack>
      <Loaded resource={list} what="customers" isEmpty={(x) => x.length === 0}>
        {(xs) => (
          <Table aria-label="Customers">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>E-mail</Table.Th>
                <Table.Th>Sites</Table.Th>
                <Table.Th>Actions</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {xs.map((c) => (
                <Table.Tr key={c.id}>
                  <Table.Td>{c.name}</Table.Td>
                  <Table.Td>{c.email}</Table.Td>
                  <Table.Td>{c.sites.map((x) => x.name).join(', ')}</Table.Td>
                  <Table.Td>
                    <Button
                      size="xs"
                      variant="default"
                      aria-label={`Edit ${c.name}`}
                      onClick={() => setEditing(c.id)}
                    >
                      Edit
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Loaded>
      {editing && list.data?.find((c) => c.id === editing) && (
        <CustomerForm
          customer={list.data.find((c) => c.id === editing) as CustomerT}
          orgCurrency={me.organization.currency}
          onCancel={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            list.reload();
          }}
        />
      )}
      <form
        aria-label="New customer"
        onSubmit={(e) => {
          e.preventDefault();
          void create(false);
        }}
      >
        <Group align="flex-end">
          <TextInput label="Customer name" required value={name} onChange={(e) => setName(e.target.value)} />
          <TextInput
            label="Invoice e-mail"
            type="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
          <TextInput label="Address" required value={line1} onChange={(e) => setLine1(e.target.value)} />
          <TextInput label="City" required value={city} onChange={(e) => setCity(e.target.value)} />
          <TextInput
            label="Postal code"
            required
            value={postalCode}
            onChange={(e) => setPostalCode(e.target.value)}
          />
          <Button type="submit" loading={s.busy}>
            Add customer
          </Button>
        </Group>
      </form>
      {duplicate && (
        <Alert color="yellow" title="Possible duplicate" role="alert">
          <Text size="sm">{duplicate}</Text>
          <Button mt="xs" size="xs" onClick={() => void create(true)}>
            Create a separate customer anyway
          </Button>
        </Alert>
      )}
      {s.feedback}
    </Stack>
  );
};
