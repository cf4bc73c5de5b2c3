import {
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  Image,
  SegmentedControl,
  Stack,
  Table,
  Text,
  Textarea,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { type ApprovalT, type AttachmentT, api, type CloseoutRecordT, type MeT } from './api';
import { dateTime, Feedback, Loaded, messageOf, money, StatusBadge, useResource } from './lib';

const RULE_LABEL: Record<string, string> = {
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
const Proof = ({ jobId, me }: { jobId: string; me: MeT }) => {
  const tz = me.organization.timeZone;
  const record = useResource(() => api<CloseoutRecordT>('GET', `/api/v1/jobs/${jobId}/closeout`), [jobId]);
  const files = useResource(
    () => api<{ items: AttachmentT[] }>('GET', `/api/v1/jobs/${jobId}/attachments`).then((r) => r.items),
    [jobId],
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

const Request = ({ a, me, onDecided }: { a: ApprovalT; me: MeT; onDecided: (msg: string) => void }) => {
  const tz = me.organization.timeZone;
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const decide = async (decision: 'approve' | 'reject') => {
    setBusy(true);
    setError(null);
    try {
      await api('POST', `/api/v1/approvals/${a.id}/decision`, {
        decision,
        ...(comment.trim() ? { comment: comment.trim() } : {}),
      });
      onDecided(`${a.jobNumber} ${decision === 'approve' ? 'approved' : 'rejected'}`);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  const canDecide = me.permissions.includes('approvals.decide') && a.status === 'pending';
  return (
    <Card withBorder component="article" aria-label={`Approval for ${a.jobNumber}`}>
      <Group justify="space-between">
        <Group gap="xs">
          <Anchor href={`#/jobs/${a.jobId}`} fw={600}>
            {a.jobNumber}
          </Anchor>
          <StatusBadge status={a.status} kind="Approval" />
          {a.overdue && <Badge color="red">Overdue</Badge>}
          {a.escalatedAt && <Badge color="grape">Escalated to the owner</Badge>}
        </Group>
        <Text size="sm" c="dimmed">
          Requested {dateTime(a.createdAt, tz)} · due {dateTime(a.dueAt, tz)}
        </Text>
      </Group>
      <Table mt="xs" aria-label="Rules that fired">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Rule</Table.Th>
            <Table.Th>Observed</Table.Th>
            <Table.Th>Threshold</Table.Th>
            <Table.Th>Why</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {a.rules.map((r) => (
            <Table.Tr key={r.code}>
              <Table.Td>{RULE_LABEL[r.code] ?? r.code}</Table.Td>
              <Table.Td>{r.observed}</Table.Td>
              <Table.Td>{r.threshold ?? '–'}</Table.Td>
              <Table.Td>{r.message}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Title order={3} size="h6" mt="sm">
        Proof
      </Title>
      <Proof jobId={a.jobId} me={me} />
      {a.status !== 'pending' && (
        <Text size="sm" mt="xs">
          Decided {dateTime(a.decidedAt, tz)}
          {a.comment ? `: “${a.comment}”` : ''}
        </Text>
      )}
      {canDecide && (
        <Stack mt="sm" gap="xs">
          <Textarea
            label="Comment"
            description="Required to reject: the crew is told why"
            value={comment}
            onChange={(e) => setComment(e.target.value)}
          />
          {error && (
            <Text c="red" size="sm" role="alert">
              {error}
            </Text>
          )}
          <Group>
            <Button color="green" loading={busy} onClick={() => decide('approve')}>
              Approve
            </Button>
            <Button
              color="red"
              variant="light"
              loading={busy}
              disabled={!comment.trim()}
              onClick={() => decide('reject')}
            >
              Reject
            </Button>
          </Group>
        </Stack>
      )}
    </Card>
  );
};

export const ApprovalsPage = ({ me, focus }: { me: MeT; focus?: string | undefined }) => {
  const [status, setStatus] = useState<'pending' | 'approved' | 'rejected'>('pending');
  const list = useResource(
    () => api<{ items: ApprovalT[] }>('GET', `/api/v1/approvals?status=${status}`).then((r) => r.items),
    [status],
  );
  const [notice, setNotice] = useState<string | null>(null);
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>Approvals</Title>
        <SegmentedControl
          aria-label="Approval status"
          value={status}
          onChange={(v) => setStatus(v as typeof status)}
          data={[
            { value: 'pending', label: 'Pending' },
            { value: 'approved', label: 'Approved' },
            { value: 'rejected', label: 'Rejected' },
          ]}
        />
      </Group>
      <Feedback notice={notice} onCloseNotice={() => setNotice(null)} />
      <Loaded
        resource={list}
        what="approvals"
        isEmpty={(xs) => xs.length === 0}
        empty={status === 'pending' ? 'Nothing waiting for a decision.' : 'None yet.'}
      >
        {(xs) => (
          <Stack>
            {[...xs]
              .sort((a, b) => Number(b.id === focus) - Number(a.id === focus))
              .map((a) => (
                <Request
                  key={a.id}
                  a={a}
                  me={me}
                  onDecided={(m) => {
                    setNotice(m);
                    list.reload();
                  }}
                />
              ))}
          </Stack>
        )}
      </Loaded>
    </Stack>
  );
};
