import {
  Alert,
  Badge,
  Button,
  Group,
  List,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Timeline,
  Title,
} from '@mantine/core';
import { useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import {
  type ApprovalT,
  type AttachmentT,
  api,
  type CloseoutRecordT,
  type InvoiceT,
  type JobT,
  type JobTypeT,
  type MeT,
  type TimelineEventT,
} from '../../shared/api';
import { CustomFieldList, fieldDefsOf } from '../../shared/custom-fields';
import { Feedback, messageOf } from '../../shared/feedback';
import { dateTime, money } from '../../shared/format';
import { AppLink } from '../../shared/links';
import { Loaded } from '../../shared/loaded';
import { useApi } from '../../shared/query';
import { StatusBadge } from '../../shared/status';
import { AgreedScope } from './change-orders';
import { CloseoutSummary, JobPhotos } from './closeout-summary';
import { Conversation } from './conversation';
import { CorrectionModal } from './correction-modal';
import { CustomerMessages } from './customer-messages';
import { InvoiceCard } from './invoice-card';
import { JobActions } from './job-actions';
import { Section } from './job-sections';
import { ProgressBilling } from './progress-billing';
import { actionWords, actorWords } from './timeline-words';
import { JobVisits } from './visits';

export const JobPage = ({ me, id }: { me: MeT; id: string }) => {
  const navigate = useNavigate();
  const tz = me.organization.timeZone;
  const can = (a: string) => me.permissions.includes(a);
  const job = useApi(['jobs', id], () => api<JobT>('GET', `/api/v1/jobs/${id}`));
  const record = useApi(['jobs', id, 'closeout'], () =>
    api<CloseoutRecordT>('GET', `/api/v1/jobs/${id}/closeout`),
  );
  const files = useApi(['jobs', id, 'attachments'], () =>
    api<{ items: AttachmentT[] }>('GET', `/api/v1/jobs/${id}/attachments`).then((r) => r.items),
  );
  const timeline = useApi(['jobs', id, 'timeline'], () =>
    api<{ items: TimelineEventT[] }>('GET', `/api/v1/jobs/${id}/timeline`).then((r) => r.items),
  );
  const approvals = useApi(['approvals', 'job', id], () =>
    can('approvals.read')
      ? api<{ items: ApprovalT[] }>('GET', `/api/v1/approvals?jobId=${id}`).then((r) => r.items)
      : Promise.resolve([] as ApprovalT[]),
  );
  const jobTypes = useApi(['catalog', 'job-types'], () =>
    api<{ items: JobTypeT[] }>('GET', '/api/v1/job-types').then((r) => r.items),
  );
  const [invoiceNotice, setInvoiceNotice] = useState<string | null>(null);
  const invoices = useApi(['invoices', 'job', id], () =>
    can('invoices.read')
      ? api<{ items: InvoiceT[] }>('GET', `/api/v1/invoices?jobId=${id}`).then((r) => r.items)
      : Promise.resolve([] as InvoiceT[]),
  );
  const [correcting, setCorrecting] = useState(false);
  const [requestText, setRequestText] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const requestInfo = async (missing: string[]) => {
    setError(null);
    try {
      const body = requestText.trim() || `Please add: ${missing.join('; ')}`;
      const r = await api<{ notified: string[] }>('POST', `/api/v1/jobs/${id}/info-requests`, { body });
      setNotice(
        `Asked ${r.notified.length} technician${r.notified.length === 1 ? '' : 's'} for the missing items`,
      );
      setRequestText('');
    } catch (err) {
      setError(messageOf(err));
    }
  };

  return (
    <Loaded resource={job} what="the job">
      {(j) => (
        <Stack>
          <Group justify="space-between" align="flex-start">
            <div>
              <AppLink to="/board" size="sm">
                ← Board
              </AppLink>
              <Title order={1}>
                {j.number} ·{' '}
                {can('customers.read') ? (
                  <AppLink to="/customers/$customerId" params={{ customerId: j.customerId }} inherit>
                    {j.customerName}
                  </AppLink>
                ) : (
                  j.customerName
                )}
              </Title>
              <Text c="dimmed">
                {j.jobTypeName} at {j.siteName}
              </Text>
            </div>
            <Group>
              <StatusBadge kind="work" status={j.status} />
              <StatusBadge kind="billing" status={j.billingStatus} />
            </Group>
          </Group>
          <JobActions
            job={j}
            onDone={setNotice}
            onRevision={(jobId) => void navigate({ to: '/jobs/$jobId', params: { jobId } })}
          />
          {j.exceptionReason && (
            <Alert color="orange" title="Needs the office">
              {j.exceptionReason}
            </Alert>
          )}
          <Feedback notice={notice} error={error} onCloseNotice={() => setNotice(null)} />
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <Section title="Customer and site">
              <Text>{j.customerName}</Text>
              <Text size="sm">{j.siteName}</Text>
              <Text size="sm" mt="xs">
                {j.scope}
              </Text>
              <CustomFieldList
                defs={fieldDefsOf(jobTypes.data?.find((t) => t.id === j.jobTypeId))}
                values={j.customFields}
              />
            </Section>
            <Section title="Schedule and crew">
              <Text>
                {dateTime(j.windowStart, tz)} – {dateTime(j.windowEnd, tz)}
              </Text>
              <Text size="sm">Crew: {j.crew.map((c) => c.name).join(', ') || 'unassigned'}</Text>
              <JobVisits job={j} onDone={setNotice} />
              <Loaded resource={timeline} what="history">
                {(items) => {
                  const moves = items.filter(
                    (e) => e.action === 'job.rescheduled' || e.action === 'job.reschedule',
                  );
                  return moves.length ? (
                    <List size="sm" mt="xs" aria-label="Reschedule history">
                      {moves.map((e) => (
                        <List.Item key={e.seq}>
                          {dateTime(e.at, tz)} by {actorWords(e)}
                          {e.reason ? `: ${e.reason}` : ''}
                        </List.Item>
                      ))}
                    </List>
                  ) : (
                    <Text size="sm" c="dimmed" mt="xs">
                      Never rescheduled.
                    </Text>
                  );
                }}
              </Loaded>
            </Section>
            <Section title="Billing facts">
              <Table>
                <Table.Tbody>
                  <Table.Tr>
                    <Table.Th>Deposit</Table.Th>
                    <Table.Td>
                      {j.depositRequired
                        ? `${money(j.depositAmount, me.organization.currency)} required${j.depositBeforeWork ? ' before work starts' : ''}, ${money(j.depositReceived ?? '0', me.organization.currency)} received`
                        : 'None'}
                    </Table.Td>
                  </Table.Tr>
                  <Table.Tr>
                    <Table.Th>Discount</Table.Th>
                    <Table.Td>{j.discountPercent ? `${j.discountPercent} %` : 'None'}</Table.Td>
                  </Table.Tr>
                  {j.retainagePercent && (
                    <Table.Tr>
                      <Table.Th>Retainage</Table.Th>
                      <Table.Td>{`${j.retainagePercent} % of each progress invoice, held until the work is complete`}</Table.Td>
                    </Table.Tr>
                  )}
                  <Table.Tr>
                    <Table.Th>PO number</Table.Th>
                    <Table.Td>{j.poNumber ?? '–'}</Table.Td>
                  </Table.Tr>
                </Table.Tbody>
              </Table>
            </Section>
            <Section title="Approvals">
              <Loaded
                resource={approvals}
                what="approvals"
                isEmpty={(a) => a.length === 0}
                empty="No approval was needed."
              >
                {(items) => (
                  <Stack gap="xs">
                    {items.map((a) => (
                      <div key={a.id}>
                        <Group gap="xs">
                          <StatusBadge kind="approval" status={a.status} />
                          {a.overdue && <Badge color="red">Overdue</Badge>}
                        </Group>
                        {a.rules.map((r) => (
                          <Text size="sm" key={r.code}>
                            {r.message} (observed {r.observed}
                            {r.threshold ? ` against ${r.threshold}` : ''})
                          </Text>
                        ))}
                        <Text size="xs" c="dimmed">
                          Requested {dateTime(a.createdAt, tz)}
                          {a.decidedAt
                            ? ` · decided ${dateTime(a.decidedAt, tz)}`
                            : ` · due ${dateTime(a.dueAt, tz)}`}
                          {a.comment ? ` · “${a.comment}”` : ''}
                        </Text>
                      </div>
                    ))}
                  </Stack>
                )}
              </Loaded>
            </Section>
          </SimpleGrid>
          <Section title="Agreed price and changes">
            <AgreedScope job={j} me={me} onDone={setNotice} />
          </Section>

          <Section title="Closeout">
            <Loaded resource={record} what="the closeout">
              {(r) => (
                <Stack>
                  {r.missing.length > 0 && (
                    <Alert color="orange" title="Missing" aria-label="Missing items">
                      <List size="sm">
                        {r.missing.map((m) => (
                          <List.Item key={`${m.code}-${m.field}-${m.message}`}>{m.message}</List.Item>
                        ))}
                      </List>
                      {can('jobs.request_info') && (
                        <Group mt="sm" align="flex-end">
                          <TextInput
                            label="Message to the technician"
                            placeholder="Defaults to the missing list"
                            value={requestText}
                            onChange={(e) => setRequestText(e.target.value)}
                            style={{ flex: 1 }}
                          />
                          <Button onClick={() => requestInfo(r.missing.map((m) => m.message))}>
                            Request from technician
                          </Button>
                        </Group>
                      )}
                    </Alert>
                  )}
                  {r.current ? (
                    <CloseoutSummary jobId={id} record={r} current={r.current} me={me} />
                  ) : (
                    r.missing.length === 0 && (
                      <Text c="dimmed" data-empty>
                        No closeout yet.
                      </Text>
                    )
                  )}
                  {can('jobs.update') && r.latestBody && (
                    <Group>
                      <Button variant="light" onClick={() => setCorrecting(true)}>
                        Correct closeout
                      </Button>
                    </Group>
                  )}
                  {correcting && (
                    <CorrectionModal
                      job={j}
                      record={r}
                      opened={correcting}
                      onClose={() => setCorrecting(false)}
                      onDone={() => {
                        setCorrecting(false);
                        setNotice('Correction saved and validated');
                        record.reload();
                        job.reload();
                        timeline.reload();
                      }}
                    />
                  )}
                </Stack>
              )}
            </Loaded>
            <JobPhotos files={files} timeZone={tz} />
          </Section>

          {can('invoices.read') && (
            <Section title="Invoices">
              <Feedback notice={invoiceNotice} error={null} onCloseNotice={() => setInvoiceNotice(null)} />
              {j.estimateLines.length > 0 && (
                <ProgressBilling
                  jobId={j.id}
                  canManage={can('invoices.manage')}
                  onBilled={(m) => {
                    setInvoiceNotice(m);
                    invoices.reload();
                    timeline.reload();
                  }}
                />
              )}
              <Loaded
                resource={invoices}
                what="invoices"
                isEmpty={(i) => i.length === 0}
                empty="No invoice yet: one is drafted when the job becomes invoice-ready."
              >
                {(items) => (
                  <Stack>
                    {items.map((i) => (
                      <InvoiceCard
                        key={i.id}
                        invoice={i}
                        canRead={can('integrations.read')}
                        canManage={can('invoices.manage')}
                        onChanged={(msg) => {
                          setInvoiceNotice(msg);
                          invoices.reload();
                        }}
                      />
                    ))}
                  </Stack>
                )}
              </Loaded>
            </Section>
          )}

          <Section title="Visit notices">
            <CustomerMessages jobId={j.id} timeZone={tz} />
          </Section>
          <Section title="Conversation with the crew">
            <Conversation jobId={j.id} />
          </Section>

          <Section title="History">
            <Loaded resource={timeline} what="the timeline" isEmpty={(t) => t.length === 0}>
              {(items) => (
                <Timeline bulletSize={12} lineWidth={2}>
                  {[...items].reverse().map((e) => (
                    <Timeline.Item key={e.seq} title={actionWords(e.action)}>
                      <Text size="xs" c="dimmed">
                        {dateTime(e.at, tz)} · {actorWords(e)}
                      </Text>
                      {e.reason && <Text size="sm">{e.reason}</Text>}
                    </Timeline.Item>
                  ))}
                </Timeline>
              )}
            </Loaded>
          </Section>
          <Group>
            <Button variant="subtle" onClick={() => navigate({ to: '/board' })}>
              Back to the board
            </Button>
          </Group>
        </Stack>
      )}
    </Loaded>
  );
};
