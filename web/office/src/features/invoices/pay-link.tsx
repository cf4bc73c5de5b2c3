import { Button, Code, CopyButton, Group, Popover, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { api } from '../../shared/api';
import { useSubmit } from '../../shared/feedback';

/**
 * The document's pay link (the one its PDF prints with a QR code): to text to a customer who asks how to pay.
 * It opens this document only, so it is safe to send where the customer's whole page is not.
 */
export const PayLinkButton = ({ invoiceId, number }: { invoiceId: string; number: string }) => {
  const [url, setUrl] = useState<string | null>(null);
  const s = useSubmit();
  return (
    <>
      <Popover
        opened={url !== null}
        onChange={(o) => !o && setUrl(null)}
        // Escape and a click outside close it, as they close every other popover.
        onClose={() => setUrl(null)}
        width={420}
        position="bottom-start"
      >
        <Popover.Target>
          <Button
            variant="default"
            loading={s.busy}
            onClick={() =>
              url
                ? setUrl(null)
                : void s.run(async () => {
                    const r = await api<{ url: string }>('GET', `/api/v1/invoices/${invoiceId}/pay-link`);
                    setUrl(r.url);
                    return '';
                  })
            }
          >
            Pay link
          </Button>
        </Popover.Target>
        <Popover.Dropdown aria-label={`Pay link of ${number}`} maw="calc(100vw - 2rem)">
          <Stack gap="xs">
            <Text size="sm">
              The customer pays {number} from this link, online or by transfer. It opens this invoice only.
            </Text>
            <Group gap="xs" wrap="nowrap">
              <Code style={{ overflowWrap: 'anywhere', flex: 1, minWidth: 0 }}>{url}</Code>
              <CopyButton value={url ?? ''}>
                {({ copied, copy }) => (
                  <Button size="xs" variant="light" onClick={copy} style={{ flexShrink: 0 }}>
                    {copied ? 'Copied' : 'Copy'}
                  </Button>
                )}
              </CopyButton>
            </Group>
          </Stack>
        </Popover.Dropdown>
      </Popover>
      {s.feedback}
    </>
  );
};
