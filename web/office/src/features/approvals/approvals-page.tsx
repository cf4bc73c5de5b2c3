import {
  Badge,
  Button,
  Card,
  Group,
  SegmentedControl,
  Stack,
  Table,
  Text,
  Textarea,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { type ApprovalT, api, type MeT } from '../../shared/api';
import { Feedback, messageOf } from '../../shared/feedback';
import { dateTime } from '../../shared/format';
import { AppLink } from '../../shared/links';
import { Loaded } from '../../shared/loaded';
import { useApi } from '../../shared/query';
import { StatusBadge } from '../../shared/status';
import { PendingWriteOffs } from '../invoices/write-offs';
import { Proof, RULE_LABEL } from './proof';

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
          <AppLink to="/jobs/$jobId" params={{ jobId: a.jobId }} fw={600}>
            {a.jobNumber}
          </AppLink>
          <StatusBadge kind="approval" status={a.status} />
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
  const list = useApi(['approvals', status], () =>
    api<{ items: ApprovalT[] }>('GET', `/api/v1/approvals?status=${status}`).then((r) => r.items),
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
      {status === 'pending' && me.permissions.includes('write_offs.approve') && (
        <Stack gap="xs">
          <Title order={2} size="h4">
            Write-offs
          </Title>
          <PendingWriteOffs me={me} onDone={setNotice} />
          <Title order={2} size="h4">
            Jobs
          </Title>
        </Stack>
      )}
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
