import { Stack, Tabs, Title } from '@mantine/core';
import type { MeT } from '../../shared/api';
import { useCan } from '../../shared/me';
import { BillingSettings } from './billing-settings';
import { Integrations } from './integrations';
import { InvoiceEmailSettings } from './invoice-email-settings';
import { JobTypes } from './job-types';
import { PriceBook } from './price-book';
import { ReminderSettings } from './reminder-settings';
import { Security } from './security';
import { Users } from './users';
import { VisitMessageSettings } from './visit-message-settings';

export const SettingsPage = ({ me }: { me: MeT }) => {
  const can = useCan();
  return (
    <Stack>
      <Title order={1}>Settings</Title>
      <Tabs
        defaultValue={new URLSearchParams(window.location.hash.split('?')[1] ?? '').get('tab') ?? 'billing'}
        keepMounted={false}
      >
        <Tabs.List>
          <Tabs.Tab value="billing">Billing and numbering</Tabs.Tab>
          <Tabs.Tab value="messages">Customer messages</Tabs.Tab>
          <Tabs.Tab value="reminders">Payment reminders</Tabs.Tab>
          <Tabs.Tab value="job-types">Job types</Tabs.Tab>
          <Tabs.Tab value="price-book">Price book and tax</Tabs.Tab>
          <Tabs.Tab value="users">Users and roles</Tabs.Tab>
          <Tabs.Tab value="integrations">Connectors and webhooks</Tabs.Tab>
          {can('api_keys.manage') && <Tabs.Tab value="security">Security</Tabs.Tab>}
        </Tabs.List>
        <Tabs.Panel value="billing" pt="md">
          <BillingSettings me={me} />
        </Tabs.Panel>
        <Tabs.Panel value="messages" pt="md">
          <Stack gap="xl">
            <VisitMessageSettings />
            <InvoiceEmailSettings />
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="reminders" pt="md">
          <ReminderSettings />
        </Tabs.Panel>
        <Tabs.Panel value="job-types" pt="md">
          <JobTypes />
        </Tabs.Panel>
        <Tabs.Panel value="price-book" pt="md">
          <PriceBook me={me} />
        </Tabs.Panel>
        <Tabs.Panel value="users" pt="md">
          <Users />
        </Tabs.Panel>
        <Tabs.Panel value="integrations" pt="md">
          <Integrations />
        </Tabs.Panel>
        <Tabs.Panel value="security" pt="md">
          <Security />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
};
