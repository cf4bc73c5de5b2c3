import { Button, Card, Code, CopyButton, Group, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { api } from '../../shared/api';
import { useSubmit } from '../../shared/feedback';

/**
 * The customer's own page (their documents, Pay now, "Something's wrong?"): the link to give them when the
 * e-mail is lost, and withdrawing every link they hold when one went astray. The next e-mail makes a new one.
 */
export const PortalLinkCard = ({ customerId, name }: { customerId: string; name: string }) => {
  const [url, setUrl] = useState<string | null>(null);
  const s = useSubmit();
  return (
    <Card withBorder component="section" aria-label="Customer's page">
      <Stack gap="xs">
        <Title order={2} size="h4">
          {name}'s page
        </Title>
        <Text size="sm" c="dimmed">
          Every invoice e-mail links to it: their documents, paying online, and telling you when something is
          wrong.
        </Text>
        {url && (
          <Group gap="xs" wrap="nowrap">
            <Code style={{ overflowWrap: 'anywhere' }}>{url}</Code>
            <CopyButton value={url}>
              {({ copied, copy }) => (
                <Button size="xs" variant="light" onClick={copy}>
                  {copied ? 'Copied' : 'Copy'}
                </Button>
              )}
            </CopyButton>
          </Group>
        )}
        <Group>
          <Button
            size="xs"
            variant="default"
            loading={s.busy}
            onClick={() =>
              void s.run(async () => {
                const r = await api<{ url: string }>(
                  'POST',
                  `/api/v1/customers/${customerId}/portal-link`,
                  {},
                );
                setUrl(r.url);
                return 'This is the link they hold: give it by phone or message';
              })
            }
          >
            Show the link to their page
          </Button>
          <Button
            size="xs"
            variant="subtle"
            color="red"
            onClick={() =>
              void s.run(async () => {
                const r = await api<{ revoked: number }>(
                  'POST',
                  `/api/v1/customers/${customerId}/portal-link/revoke`,
                  {},
                );
                setUrl(null);
                return r.revoked === 0
                  ? 'They held no link: the next e-mail carries a new one'
                  : 'Every link they held is withdrawn: the next e-mail carries a new one';
              })
            }
          >
            Withdraw their links
          </Button>
        </Group>
        {s.feedback}
      </Stack>
    </Card>
  );
};
