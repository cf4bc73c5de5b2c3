import { Button, Group, SimpleGrid, Stack, TextInput } from '@mantine/core';
import { SiteInput } from '../../../../../src/contracts/catalog';
import type { CustomerDetailT } from '../../shared/api';
import { orNull, useContractForm } from '../../shared/form';

type Site = CustomerDetailT['sites'][number];
type Values = {
  name: string;
  line1: string;
  line2: string;
  city: string;
  region: string;
  postalCode: string;
  country: string;
  accessNotes: string;
};

/** A place the crew works at, with how to get in; new or changed. */
export const SiteForm = ({
  site,
  country,
  onSubmit,
  onCancel,
}: {
  site: Site | null;
  country: string;
  onSubmit: (body: Record<string, unknown>) => Promise<void>;
  onCancel: () => void;
}) => {
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: SiteInput,
    initialValues: {
      name: site?.name ?? '',
      line1: site?.address.line1 ?? '',
      line2: site?.address.line2 ?? '',
      city: site?.address.city ?? '',
      region: site?.address.region ?? '',
      postalCode: site?.address.postalCode ?? '',
      country: site?.address.country ?? country,
      accessNotes: site?.accessNotes ?? '',
    } satisfies Values,
    toBody: (v: Values) => ({
      name: v.name,
      address: {
        line1: v.line1,
        ...(v.line2.trim() ? { line2: v.line2 } : {}),
        city: v.city,
        ...(v.region.trim() ? { region: v.region } : {}),
        postalCode: v.postalCode,
        country: v.country.trim().toUpperCase(),
      },
      accessNotes: orNull(v.accessNotes),
    }),
  });
  // The schema's paths are address.city …; the form's are flat.
  const err = (path: string) => form.errors[`address.${path}`] ?? form.errors[path];
  return (
    <form noValidate aria-label={site ? `Edit site ${site.name}` : 'New site'} onSubmit={submit(onSubmit)}>
      <Stack>
        <TextInput label="Site name" required {...form.getInputProps('name')} />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput label="Street" required {...form.getInputProps('line1')} error={err('line1')} />
          <TextInput label="Street, second line" {...form.getInputProps('line2')} />
          <TextInput label="Town or city" required {...form.getInputProps('city')} error={err('city')} />
          <TextInput label="County or region" {...form.getInputProps('region')} />
          <TextInput
            label="Postcode"
            required
            {...form.getInputProps('postalCode')}
            error={err('postalCode')}
          />
          <TextInput
            label="Country"
            description="Two letters, e.g. IE"
            maxLength={2}
            required
            {...form.getInputProps('country')}
            error={err('country')}
          />
        </SimpleGrid>
        <TextInput
          label="Access notes for the crew"
          placeholder="Gate code, parking, the dog"
          {...form.getInputProps('accessNotes')}
        />
        {errorAlert}
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={busy}>
            Save site
          </Button>
        </Group>
      </Stack>
    </form>
  );
};
