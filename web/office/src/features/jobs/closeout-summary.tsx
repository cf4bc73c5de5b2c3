import { Anchor, Badge, Group, Image, Stack, Table, Text, Title } from '@mantine/core';
import { SIGNATURE_EXCEPTION_WORDS } from '../../../../../src/core/closeout-rules';
import type { AttachmentT, CloseoutRecordT, MeT } from '../../shared/api';
import { dateTime, money } from '../../shared/format';
import { Loaded } from '../../shared/loaded';
import type { Resource } from '../../shared/query';
import { byCategory, CATEGORY_LABEL } from './job-sections';

/** A closeout line's kind as the office says it. */
const LINE_KIND_WORDS: Record<string, string> = { labor: 'Labour', part: 'Part', adjustment: 'Charge' };

const FLAG_WORDS: Record<string, string> = {
  overtime: 'Overtime',
  parts_outside_estimate: 'Parts outside the estimate',
  warranty: 'Warranty',
  no_charge: 'No charge',
  customer_dispute: 'Customer disputes',
  safety_issue: 'Safety issue',
};

/** The closeout in force: who sent it and when, its lines, notes, signature, time and place. */
export const CloseoutSummary = ({
  jobId,
  record: r,
  current,
  me,
}: {
  jobId: string;
  record: CloseoutRecordT;
  current: NonNullable<CloseoutRecordT['current']>;
  me: MeT;
}) => {
  const tz = me.organization.timeZone;
  return (
    <>
      <Group gap="xs">
        <Text size="sm">
          {current.source === 'office_edit' ? 'Corrected by the office' : 'Submitted'} by{' '}
          {current.submittedBy ?? 'the API'} on {dateTime(current.submittedAt, tz)}
        </Text>
        {current.outcome === 'exception' && <Badge color="orange">By exception</Badge>}
        <Anchor size="sm" href={`/api/v1/jobs/${jobId}/service-report`} target="_blank">
          Work-completed report (PDF)
        </Anchor>
        {current.exceptionFlags.map((f) => (
          <Badge key={f} color="yellow" variant="outline">
            {FLAG_WORDS[f] ?? 'Flagged'}
          </Badge>
        ))}
      </Group>
      <Table striped aria-label="Closeout lines">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Kind</Table.Th>
            <Table.Th>Description</Table.Th>
            <Table.Th>Qty</Table.Th>
            <Table.Th>Unit price</Table.Th>
            <Table.Th>Serials</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {r.lines.map((l) => (
            <Table.Tr key={l.position}>
              <Table.Td>{LINE_KIND_WORDS[l.kind] ?? 'Other'}</Table.Td>
              <Table.Td>
                {l.description}
                {l.sku ? ` (${l.sku})` : ''}
                {!l.billable && ' · not billed'}
              </Table.Td>
              <Table.Td>{Number(l.quantity).toString()}</Table.Td>
              <Table.Td>{money(l.unitPrice, me.organization.currency)}</Table.Td>
              <Table.Td>{l.serialNumbers.join(', ')}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {current.notes && <Text size="sm">Notes: {current.notes}</Text>}
      <Text size="sm">
        Signed:{' '}
        {current.signature
          ? `${current.signature.signerName}, ${dateTime(current.signature.signedAt, tz)}`
          : current.signatureException
            ? `no — ${SIGNATURE_EXCEPTION_WORDS[current.signatureException.reasonCode as keyof typeof SIGNATURE_EXCEPTION_WORDS] ?? 'other reason'}: ${current.signatureException.text}`
            : 'no'}
      </Text>
      <Text size="sm">
        Time and place: {dateTime(current.deviceTime, tz)}
        {current.gps && (
          <>
            {' · '}
            <Anchor
              href={`https://www.openstreetmap.org/?mlat=${current.gps.latitude}&mlon=${current.gps.longitude}#map=17/${current.gps.latitude}/${current.gps.longitude}`}
              target="_blank"
              rel="noreferrer"
            >
              {current.gps.latitude.toFixed(5)}, {current.gps.longitude.toFixed(5)} (±
              {Math.round(current.gps.accuracy)} m)
            </Anchor>
          </>
        )}
      </Text>
    </>
  );
};

/** The job's photos by category, each opening the original. */
export const JobPhotos = ({ files, timeZone: tz }: { files: Resource<AttachmentT[]>; timeZone: string }) => (
  <>
    <Title order={3} size="h5" mt="md">
      Photos
    </Title>
    <Loaded resource={files} what="photos" isEmpty={(f) => f.length === 0} empty="No photos uploaded.">
      {(items) => (
        <Stack>
          {[...byCategory(items)].map(([category, list]) => (
            <section key={category} aria-label={`Photos: ${CATEGORY_LABEL[category] ?? category}`}>
              <Text size="sm" fw={600}>
                {CATEGORY_LABEL[category] ?? category} ({list.length})
              </Text>
              <div className="photo-grid">
                {list.map((a) => (
                  <a key={a.id} href={`/api/v1/attachments/${a.id}/content`} target="_blank" rel="noreferrer">
                    {a.hasThumbnail ? (
                      <Image
                        src={`/api/v1/attachments/${a.id}/thumbnail`}
                        alt={`${CATEGORY_LABEL[a.category] ?? a.category} photo${a.capturedAt ? `, ${dateTime(a.capturedAt, tz)}` : ''}`}
                        w={120}
                        h={90}
                        fit="cover"
                        radius="sm"
                      />
                    ) : (
                      <span className="file-chip">{a.mimeType}</span>
                    )}
                  </a>
                ))}
              </div>
            </section>
          ))}
        </Stack>
      )}
    </Loaded>
  </>
);
