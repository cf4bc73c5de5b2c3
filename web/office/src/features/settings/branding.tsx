import { Button, Card, ColorInput, FileInput, Group, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { api, type MeT } from '../../shared/api';
import { useSubmit } from '../../shared/feedback';
import { useInvalidate } from '../../shared/query';

/** The logo and accent colour printed on invoices, credit notes and work-completed reports. */
export const Branding = ({ org }: { org: MeT['organization'] }) => {
  const invalidate = useInvalidate();
  const [file, setFile] = useState<File | null>(null);
  const [color, setColor] = useState(org.brandColor);
  const logo = useSubmit();
  const accent = useSubmit();
  return (
    <Card withBorder component="section" aria-label="Branding" maw={560}>
      <Stack gap="sm">
        <Title order={2} size="h4">
          Your brand on documents
        </Title>
        <Text size="sm" c="dimmed">
          {org.hasLogo
            ? 'Your logo is printed at the top of every invoice and work-completed report.'
            : 'No logo yet: documents show your business name instead.'}
        </Text>
        <Group align="flex-end">
          <FileInput
            label={org.hasLogo ? 'Replace the logo' : 'Logo'}
            description="PNG or JPEG"
            accept="image/png,image/jpeg"
            value={file}
            onChange={setFile}
            clearable
            w={260}
          />
          <Button
            variant="default"
            disabled={!file}
            loading={logo.busy}
            onClick={() =>
              void logo.run(async () => {
                if (!file) return '';
                const body = new FormData();
                body.append('file', file);
                await api('PUT', '/api/v1/organization/logo', body);
                setFile(null);
                invalidate('organization');
                return 'Logo saved: documents issued from now on carry it';
              })
            }
          >
            Upload logo
          </Button>
        </Group>
        {logo.feedback}
        <Group align="flex-end">
          <ColorInput label="Accent colour" format="hex" value={color} onChange={setColor} w={200} />
          <Button
            variant="default"
            loading={accent.busy}
            disabled={color.toLowerCase() === org.brandColor.toLowerCase()}
            onClick={() =>
              void accent.run(async () => {
                await api('PATCH', '/api/v1/organization/billing', { brandColor: color });
                invalidate('organization');
                return 'Accent colour saved';
              })
            }
          >
            Save colour
          </Button>
        </Group>
        {accent.feedback}
      </Stack>
    </Card>
  );
};
