import { Button, Card, Group, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { ExternalIdBody } from '../../../../../src/contracts/catalog';
import { PROVIDER_NAMES } from '../../../../../src/contracts/connectors';
import { api, type CustomerDetailT } from '../../shared/api';
import { useContractForm } from '../../shared/form';

const PROVIDERS = (['xero', 'quickbooks'] as const).map((p) => ({ value: p, label: PROVIDER_NAMES[p] }));
type Values = { provider: string; externalId: string };

/**
 * Which contact in the accounting system this customer is. Closeout records it on the first push; a
 * business that already has the customer there links the existing contact instead, before the first
 * invoice goes, so the books do not get a second one. A link is fixed once made.
 */
export const AccountingLinks = ({
  customer,
  canLink,
  onLinked,
}: {
  customer: CustomerDetailT;
  canLink: boolean;
  onLinked: (message: string) => void;
}) => {
  const linked = Object.entries(customer.externalIds).filter(([k]) => k === 'xero' || k === 'quickbooks');
  const open = PROVIDERS.filter((p) => !(p.value in customer.externalIds));
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: ExternalIdBody,
    initialValues: { provider: open[0]?.value ?? 'xero', externalId: '' } as Values,
    toBody: (v: Values) => ({ externalId: v.externalId }),
  });
  return (
    <Card withBorder component="section" aria-label="Accounting links">
      <Stack gap="xs">
        <Title order={2} size="h5">
          In your accounting system
        </Title>
        {linked.length === 0 ? (
          <Text size="sm" c="dimmed">
            Not linked yet: the first invoice pushed makes the contact there, or link the one you already
            have.
          </Text>
        ) : (
          linked.map(([provider, id]) => (
            <Text size="sm" key={provider}>
              {PROVIDER_NAMES[provider as 'xero' | 'quickbooks']}: contact {id}
            </Text>
          ))
        )}
        {canLink && open.length > 0 && (
          <form
            noValidate
            aria-label="Link an accounting contact"
            onSubmit={submit(async (body) => {
              const provider = form.values.provider;
              await api('PUT', `/api/v1/customers/${customer.id}/external-ids/${provider}`, body);
              form.setValues({ externalId: '' });
              onLinked(
                `${customer.name} is linked to their ${PROVIDER_NAMES[provider as 'xero' | 'quickbooks']} contact`,
              );
            })}
          >
            <Group align="flex-start" gap="xs">
              <Select
                label="System"
                w={170}
                data={open}
                allowDeselect={false}
                {...form.getInputProps('provider')}
              />
              <TextInput
                label="Their contact ID there"
                description="From the contact's address in Xero or QuickBooks"
                {...form.getInputProps('externalId')}
              />
              <Button type="submit" variant="default" mt={24} loading={busy}>
                Link
              </Button>
            </Group>
            {errorAlert}
          </form>
        )}
      </Stack>
    </Card>
  );
};
