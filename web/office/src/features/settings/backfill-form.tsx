import { Button, Group, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import type { z } from 'zod';
import type { BackfillResult } from '../../../../../src/contracts/integrations';
import { api } from '../../shared/api';
import { useSubmit } from '../../shared/feedback';
import { dayText, plural } from '../../shared/format';
import { type ConnectorT, PROVIDER_WORDS } from './connector-mappings';

type BackfillT = z.infer<typeof BackfillResult>;

/** Documents issued before the connector existed: previewed first, then pushed on one click. */
export const BackfillForm = ({ connector, onDone }: { connector: ConnectorT; onDone: () => void }) => {
  const name = PROVIDER_WORDS[connector.provider];
  const [since, setSince] = useState(`${new Date().getFullYear()}-01-01`);
  const [preview, setPreview] = useState<BackfillT | null>(null);
  const look = useSubmit();
  const push = useSubmit();
  const run = (dryRun: boolean) =>
    api<BackfillT>('POST', `/api/v1/connectors/${connector.id}/backfill`, { since, dryRun });
  const count = (b: BackfillT) =>
    `${plural(b.documents.length, 'document', 'documents')}, ${plural(b.payments, 'payment', 'payments')} and ${plural(b.allocations, 'credit application', 'credit applications')}`;
  return (
    <form
      aria-label={`Push earlier documents to ${name}`}
      onSubmit={(e) => {
        e.preventDefault();
        void look.run(async () => {
          const b = await run(true);
          setPreview(b);
          return b.documents.length === 0 && b.payments === 0
            ? `Nothing issued since ${dayText(since)} is missing from ${name}`
            : `${count(b)} would go to ${name}`;
        });
      }}
    >
      <Stack gap="xs" maw={640}>
        <Group align="flex-end">
          <TextInput
            type="date"
            label="Issued since"
            value={since}
            onChange={(e) => {
              setSince(e.target.value);
              setPreview(null);
            }}
          />
          <Button type="submit" variant="default" loading={look.busy}>
            Preview
          </Button>
        </Group>
        {look.feedback}
        {preview && preview.documents.length > 0 && (
          <Text size="sm">
            {preview.documents
              .slice(0, 12)
              .map((d) => d.number)
              .join(', ')}
            {preview.documents.length > 12 ? ` and ${preview.documents.length - 12} more` : ''}
          </Text>
        )}
        {preview && (preview.documents.length > 0 || preview.payments > 0) && (
          <Group>
            <Button
              loading={push.busy}
              onClick={() =>
                void push.run(async () => {
                  const b = await run(false);
                  setPreview(null);
                  onDone();
                  return `${count(b)} are on their way to ${name}: follow them in each invoice's accounting state`;
                })
              }
            >
              Push them to {name}
            </Button>
          </Group>
        )}
        {push.feedback}
      </Stack>
    </form>
  );
};
