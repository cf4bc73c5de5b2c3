import { Button, Menu, Select, Stack, Text, TextInput } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { z } from 'zod';
import { type Country, OpenOrganizationBody } from '../../../../src/contracts/auth';
import { api, moveTo } from '../shared/api';
import { EditModal } from '../shared/edit-modal';
import { useContractForm } from '../shared/form';
import { useMe } from '../shared/me';
import { useMoveSession } from './session';

type CountryT = z.infer<typeof Country>;
type Values = { businessName: string; country: string };

/**
 * The account menu's organizations: the person's others to switch to (the session moves there, nothing of
 * this one's screens is kept), and opening another with the same account.
 */
export const OrganizationItems = ({ onOpen }: { onOpen: () => void }) => {
  const me = useMe();
  const moved = useMoveSession();
  const others = me.organizations.filter((o) => !o.current);
  return (
    <>
      {others.length > 0 && <Menu.Label>Your other organizations</Menu.Label>}
      {others.map((o) => (
        <Menu.Item
          key={o.id}
          onClick={() =>
            moveTo('/api/v1/auth/switch', { organizationId: o.id }).then((next) => moved(next, '#/'))
          }
        >
          Switch to {o.name}
        </Menu.Item>
      ))}
      <Menu.Item onClick={onOpen}>Open another organization</Menu.Item>
      <Menu.Divider />
    </>
  );
};

/** Opening another business with the account the person has: its name and country, then its setup wizard. */
export const OpenOrganization = ({ opened, onClose }: { opened: boolean; onClose: () => void }) => {
  const me = useMe();
  const moved = useMoveSession();
  const [countries, setCountries] = useState<CountryT[]>([]);
  useEffect(() => {
    if (opened && countries.length === 0)
      api<{ items: CountryT[] }>('GET', '/api/v1/public/countries').then((r) => setCountries(r.items));
  }, [opened, countries.length]);
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: OpenOrganizationBody,
    initialValues: { businessName: '', country: me.organization.country } satisfies Values as Values,
    toBody: (v: Values) => v as z.input<typeof OpenOrganizationBody>,
  });
  return (
    <EditModal opened={opened} onClose={onClose} title="Open another organization" size="md">
      <form
        noValidate
        aria-label="Open another organization"
        onSubmit={submit(async (body) => {
          const next = await moveTo('/api/v1/auth/organizations', body);
          // A new organization starts in its setup wizard.
          moved(next, '#/setup');
        })}
      >
        <Stack gap="sm">
          <Text size="sm">
            A second business, or one you keep the books for: you are its owner, you sign in with the same
            password, and you switch between your organizations from this menu. Its customers, jobs and
            invoices are its own.
          </Text>
          <TextInput
            label="Business name"
            autoComplete="organization"
            {...form.getInputProps('businessName')}
          />
          <Select
            label="Country"
            description="Decides its currency, time zone and starting tax rates"
            data={countries.map((c) => ({ value: c.code, label: `${c.name} (${c.currency})` }))}
            searchable
            allowDeselect={false}
            {...form.getInputProps('country')}
          />
          {errorAlert}
          <Button type="submit" loading={busy}>
            Open it
          </Button>
        </Stack>
      </form>
    </EditModal>
  );
};
