import { Image, Stack, Table, Text } from '@mantine/core';
import { type AttachmentT, api, type CloseoutRecordT, type MeT } from '../../shared/api';
import { dateTime, money } from '../../shared/format';
import { Loaded } from '../../shared/loaded';
import { useApi } from '../../shared/query';

export const RULE_LABEL: Record<string, string> = {
  discount_above_percent: 'Discount above threshold',
  labor_hours_over_estimate: 'Labor over the estimate',
  overtime_hours_above: 'Overtime',
  parts_over_estimate_percent: 'Parts outside the estimate',
  total_over_estimate_percent: 'Total over the estimate',
  missing_signature: 'Missing signature',
  warranty_or_no_charge: 'Warranty or no charge',
  price_below_price_book: 'Price below the price book',
  invoice_total_above: 'Invoice total above threshold',
  closeout_exception: 'Closeout exception',
  stated_exception: 'Exception stated by the technician',
  possible_duplicate_charge: 'Possible double charge',
};

/** The proof behind a request: the closeout's lines, signature, and photos. */
export const Proof = ({ jobId, me }: { jobId: string; me: MeT }) => {
  const tz = me.organization.timeZone;
  const record = useApi(['jobs', jobId, 'closeout'], () =>
    api<CloseoutRecordT>('GET', `/api/v1/jobs/${jobId}/closeout`),
  );
  const files = useApi(['jobs', jobId, 'attachments'], () =>
    api<{ items: AttachmentT[] }>('GET', `/api/v1/jobs/${jobId}/attachments`).then((r) => r.items),
  );
  return (
    <Stack gap="xs">
      <Loaded resource={record} what="the proof">
        {(r) =>
          r.current ? (
            <>
              <Table withTableBorder aria-label="Closeout lines">
                <Table.Tbody>
                  {r.lines.map((l) => (
                    <Table.Tr key={l.position}>
                      <Table.Td>{l.description}</Table.Td>
                      <Table.Td>{Number(l.quantity).toString()}</Table.Td>
                      <Table.Td>
                        {money(l.unitPrice, me.organization.currency)}
                        {l.listPrice && l.listPrice !== l.unitPrice
                          ? ` (list ${money(l.listPrice, me.organization.currency)})`
                          : ''}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              <Text size="sm">
                {r.current.signature
                  ? `Signed by ${r.current.signature.signerName}`
                  : r.current.signatureException
                    ? `No signature: ${r.current.signatureException.reasonCode.replaceAll('_', ' ')} — “${r.current.signatureException.text}”`
                    : 'No signature'}
                {r.current.notes ? ` · Notes: ${r.current.notes}` : ''}
              </Text>
              <Text size="xs" c="dimmed">
                Submitted by {r.current.submittedBy ?? 'the API'}, {dateTime(r.current.submittedAt, tz)}
              </Text>
            </>
          ) : (
            <Text size="sm" c="dimmed">
              No closeout in force.
            </Text>
          )
        }
      </Loaded>
      <Loaded resource={files} what="photos" isEmpty={(f) => f.length === 0} empty="No photos.">
        {(items) => (
          <div className="photo-grid">
            {items
              .filter((a) => a.hasThumbnail)
              .slice(0, 8)
              .map((a) => (
                <Image
                  key={a.id}
                  src={`/api/v1/attachments/${a.id}/thumbnail`}
                  alt={`${a.category.replaceAll('_', ' ')} photo`}
                  w={96}
                  h={72}
                  radius="sm"
                  fit="cover"
                />
              ))}
          </div>
        )}
      </Loaded>
    </Stack>
  );
};
