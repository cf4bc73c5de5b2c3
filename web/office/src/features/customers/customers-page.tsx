import { Alert, Button, Group, Loader, Stack, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue, useMediaQuery } from '@mantine/hooks';
import { Link, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { ApiError, api, type CustomerDetailT, type CustomerT } from '../../shared/api';
import { EditModal } from '../../shared/edit-modal';
import { AppLink } from '../../shared/links';
import { useCan } from '../../shared/me';
import { useApiPages, useInvalidate } from '../../shared/query';
import { ResourceTable } from '../../shared/resource-table';
import { CustomerForm } from './customer-form';

/**
 * Adds a customer. A likely duplicate (same name, e-mail or phone) is not created blindly: the server's
 * candidates are shown and the person confirms, or goes to the existing record instead.
 */
export const NewCustomer = ({
  opened,
  onClose,
  onCreated,
}: {
  opened: boolean;
  onClose: () => void;
  onCreated: (c: CustomerDetailT) => void;
}) => {
  const invalidate = useInvalidate();
  const [duplicate, setDuplicate] = useState<{ body: Record<string, unknown>; message: string } | null>(null);
  const create = async (body: Record<string, unknown>, confirmDuplicate = false) => {
    try {
      const c = await api<CustomerDetailT>('POST', '/api/v1/customers', {
        ...body,
        ...(confirmDuplicate ? { confirmDuplicate: true } : {}),
      });
      setDuplicate(null);
      invalidate('customers');
      onCreated(c);
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && !confirmDuplicate) {
        setDuplicate({ body, message: err.message });
        return;
      }
      throw err;
    }
  };
  return (
    <EditModal opened={opened} onClose={onClose} title="New customer" size="xl">
      {duplicate ? (
        <Stack>
          <Alert color="yellow" title="This looks like a customer you already have" role="alert">
            {duplicate.message}
          </Alert>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setDuplicate(null)}>
              Back to the form
            </Button>
            <Button onClick={() => void create(duplicate.body, true)}>Create it anyway</Button>
          </Group>
        </Stack>
      ) : (
        <CustomerForm
          customer={null}
          submitLabel="Create customer"
          onSubmit={(b) => create(b)}
          onCancel={onClose}
        />
      )}
    </EditModal>
  );
};

/** Every customer, found by name, e-mail or phone; a dispatcher taking a call adds the caller from here. */
export const CustomersPage = () => {
  const can = useCan();
  const navigate = useNavigate();
  const phone = useMediaQuery('(max-width: 48em)') ?? false;
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 250);
  const [adding, setAdding] = useState(false);
  const list = useApiPages<CustomerT>(
    ['customers', 'list', q],
    `/api/v1/customers${q ? `?q=${encodeURIComponent(q)}` : ''}`,
  );
  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <Title order={1}>Customers</Title>
        <Group gap="xs">
          {can('imports.manage') && (
            <Button variant="default" component={Link} to="/import">
              Import customers
            </Button>
          )}
          {can('customers.manage') && <Button onClick={() => setAdding(true)}>New customer</Button>}
        </Group>
      </Group>
      <TextInput
        label="Find a customer"
        placeholder="Name, e-mail or phone"
        value={search}
        onChange={(e) => setSearch(e.currentTarget.value)}
        maw={420}
      />
      {list.error && !list.rows && (
        <Alert color="red" role="alert" title="Could not load the customers">
          {list.error}
        </Alert>
      )}
      {!list.rows && !list.error && <Loader size="sm" aria-label="Loading the customers" />}
      {list.rows && (
        <ResourceTable
          label="Customers"
          rows={list.rows}
          rowKey={(c) => c.id}
          phone={phone}
          empty={q ? `No customer matches “${q}”.` : 'No customers yet: add the first one.'}
          columns={[
            {
              header: 'Name',
              cell: (c) => (
                <AppLink to="/customers/$customerId" params={{ customerId: c.id }} fw={600}>
                  {c.name}
                </AppLink>
              ),
            },
            { header: 'Phone', cell: (c) => c.phone ?? '–' },
            { header: 'E-mail', wide: true, cell: (c) => c.email ?? '–' },
            {
              header: 'Where',
              wide: true,
              cell: (c) => (
                <Text size="sm">
                  {c.billingAddress.city}
                  {c.sites.length > 1 ? ` · ${c.sites.length} sites` : ''}
                </Text>
              ),
            },
          ]}
        />
      )}
      {list.hasMore && (
        <Group justify="center">
          <Button variant="default" onClick={list.loadMore} loading={list.loadingMore}>
            Show more
          </Button>
        </Group>
      )}
      <NewCustomer
        opened={adding}
        onClose={() => setAdding(false)}
        onCreated={(c) => {
          setAdding(false);
          void navigate({ to: '/customers/$customerId', params: { customerId: c.id } });
        }}
      />
    </Stack>
  );
};
