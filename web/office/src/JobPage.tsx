import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  Image,
  List,
  Modal,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Table,
  Text,
  Textarea,
  TextInput,
  Timeline,
  Title,
} from '@mantine/core';
import { type FormEvent, useState } from 'react';
import {
  type ApprovalT,
  type AttachmentT,
  api,
  type CloseoutRecordT,
  type InvoiceT,
  type JobT,
  type MeT,
  type TimelineEventT,
} from './api';
import {
  dateTime,
  dayText,
  Feedback,
  go,
  Loaded,
  messageOf,
  money,
  STATUS_LABEL,
  StatusBadge,
  useResource,
  useSubmit,
} from './lib';

type Push = {
  connectorId: string;
  status: string;
  attempts: number;
  externalId: string | null;
  lastError: string | null;
};

const CATEGORY_LABEL: Record<string, string> = {
  before: 'Before',
  after: 'After',
  serial_plate: 'Serial plate',
  signature: 'Signature',
  document: 'Documents',
  other: 'Other',
};

const byCategory = (items: AttachmentT[]): Map<string, AttachmentT[]> => {
  const groups = new Map<string, AttachmentT[]>();
  for (const a of items) groups.set(a.category, [...(groups.get(a.category) ?? []), a]);
  return groups;
};

const Section = ({ title, children }: { title: string; children: React.ReactNode }) => (
  <Card withBorder component="section" aria-label={title}>
    <Title order={2} size="h4" mb="sm">
      {title}
    </Title>
    {children}
  </Card>
);

/** Office correction: the latest submission as a starting point, validated by the server like any closeout. */
const CorrectionModal = ({
  job,
  record,
  opened,
  onClose,
  onDone,
}: {
  job: JobT;
  record: CloseoutRecordT;
  opened: boolean;
  onClose: () => void;
  onDone: () => void;
}) => {
  const base = (record.latestBody ?? {}) as {
    workPerformed?: { checklist?: { item: string; done: boolean }[]; notes?: string };
    parts?: {
      sku?: string;
      description?: string;
      quantity: string;
      unitPrice?: string;
      serialNumbers?: string[];
    }[];
    labor?: { technicianId: string; hours?: string }[];
    [k: string]: unknown;
  };
  const [notes, setNotes] = useState(base.workPerformed?.notes ?? '');
  const [checklist, setChecklist] = useState(base.workPerformed?.checklist ?? []);
  const [parts, setParts] = useState(base.parts ?? []);
  const [labor, setLabor] = useState(base.labor ?? []);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [missing, setMissing] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setMissing([]);
    const { submissionId: _s, jobVersion: _v, reason: _r, ...rest } = base as Record<string, unknown>;
    try {
      await api('PUT', `/api/v1/jobs/${job.id}/closeout`, {
        ...rest,
        submissionId: crypto.randomUUID(),
        workPerformed: { checklist, notes },
        parts,
        labor,
        deviceTime: (rest.deviceTime as string | undefined) ?? new Date().toISOString(),
        reason,
      });
      onDone();
    } catch (err) {
      const problem = (err as { problem?: { missing?: { message: string }[] } }).problem;
      if (problem?.missing) setMissing(problem.missing.map((m) => m.message));
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal opened={opened} onClose={onClose} title={`Correct the closeout of ${job.number}`} size="xl">
      <form onSubmit={submit} aria-label="Closeout correction">
        <Stack>
          {checklist.length > 0 && (
            <Stack gap={4}>
              <Text fw={600}>Checklist</Text>
              {checklist.map((c, i) => (
                <Switch
                  key={c.item}
                  label={c.item}
                  checked={c.done}
                  onChange={(e) => {
                    const done = e.currentTarget.checked;
                    setChecklist(checklist.map((x, j) => (j === i ? { ...x, done } : x)));
                  }}
                />
              ))}
            </Stack>
          )}
          {labor.map((l, i) => (
            <TextInput
              // biome-ignore lint/suspicious/noArrayIndexKey: rows of a form are identified by position
              key={`${l.technicianId}-${i}`}
              label={`Labor hours, line ${i + 1}`}
              value={l.hours ?? ''}
              inputMode="decimal"
              onChange={(e) => {
                const hours = e.target.value;
                setLabor(labor.map((x, j) => (j === i ? { ...x, hours } : x)));
              }}
            />
          ))}
          {parts.map((p, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows of a form are identified by position
            <Group key={`${p.sku ?? p.description}-${i}`} grow align="flex-end">
              <TextInput label={`Part ${i + 1}`} value={p.sku ?? p.description ?? ''} readOnly />
              <TextInput
                label={`Quantity, part ${i + 1}`}
                value={p.quantity}
                inputMode="decimal"
                onChange={(e) => {
                  const quantity = e.target.value;
                  setParts(parts.map((x, j) => (j === i ? { ...x, quantity } : x)));
                }}
              />
              <TextInput
                label={`Serial numbers, part ${i + 1}`}
                value={(p.serialNumbers ?? []).join(', ')}
                onChange={(e) => {
                  const serialNumbers = e.target.value
                    .split(',')
                    .map((s) => s.trim())
                    .filter(Boolean);
                  setParts(parts.map((x, j) => (j === i ? { ...x, serialNumbers } : x)));
                }}
              />
            </Group>
          ))}
          <Textarea
            label="Work notes"
            value={notes}
            onChange={(e) => setNotes(e.target.value)}
            autosize
            minRows={2}
          />
          <Textarea
            label="Reason for the correction"
            required
            value={reason}
            onChange={(e) => setReason(e.target.value)}
          />
          {error && (
            <Alert color="red" role="alert" title="The correction was refused">
              <Text size="sm">{error}</Text>
              {missing.length > 0 && (
                <List size="sm">
                  {missing.map((m) => (
                    <List.Item key={m}>{m}</List.Item>
                  ))}
                </List>
              )}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy} disabled={!reason.trim()}>
              Save correction
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
};

const CREDIT_REASONS = [
  { value: 'price_dispute', label: 'Price dispute' },
  { value: 'missing_time', label: 'Time billed that was not worked' },
  { value: 'wrong_tax', label: 'Wrong tax' },
  { value: 'scope_misunderstanding', label: 'Scope misunderstanding' },
  { value: 'duplicate', label: 'Billed twice' },
  { value: 'goodwill', label: 'Goodwill' },
];

/**
 * A credit note from the job page: every line that is left, or chosen lines and quantities. The server
 * credits each line at what it was charged, its share of the discount included, and says why it refuses.
 */
const CreditForm = ({ invoice, onDone }: { invoice: InvoiceT; onDone: (msg: string) => void }) => {
  const [reason, setReason] = useState<string | null>(null);
  const [memo, setMemo] = useState('');
  const [qty, setQty] = useState<Record<number, number | string>>({});
  const s = useSubmit();
  const chosen = invoice.lines
    .map((l) => ({ position: l.position, quantity: String(qty[l.position] ?? '') }))
    .filter((l) => l.quantity !== '' && Number(l.quantity) !== 0);
  const submit = (all: boolean) =>
    s.run(async () => {
      const note = await api<InvoiceT>('POST', `/api/v1/invoices/${invoice.id}/credit-notes`, {
        reason,
        ...(memo.trim() ? { memo: memo.trim() } : {}),
        ...(all ? {} : { lines: chosen }),
      });
      const msg = `Credit note ${note.number} issued for ${money(note.totals?.payable ?? null, note.currency)}`;
      onDone(msg);
      return msg;
    });
  return (
    <Stack gap="xs" mt="xs" aria-label={`Credit ${invoice.number}`}>
      <Select
        label="Why"
        data={CREDIT_REASONS}
        value={reason}
        onChange={setReason}
        placeholder="Choose a reason"
        allowDeselect={false}
      />
      <Table>
        <Table.Tbody>
          {invoice.lines.map((l) => (
            <Table.Tr key={l.position}>
              <Table.Td>{l.description}</Table.Td>
              <Table.Td>
                {l.quantity} × {money(l.unitPrice, invoice.currency)}
              </Table.Td>
              <Table.Td w={120}>
                <NumberInput
                  size="xs"
                  aria-label={`Quantity to credit of ${l.description}`}
                  min={0}
                  max={Math.abs(Number(l.quantity))}
                  value={qty[l.position] ?? ''}
                  onChange={(v) => setQty({ ...qty, [l.position]: v })}
                />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <TextInput
        label="Memo for the customer"
        value={memo}
        onChange={(e) => setMemo(e.currentTarget.value)}
      />
      {s.error && (
        <Text c="red" size="sm" role="alert">
          {s.error}
        </Text>
      )}
      <Group>
        <Button
          size="xs"
          loading={s.busy}
          disabled={!reason || chosen.length === 0}
          onClick={() => submit(false)}
        >
          Credit the chosen lines
        </Button>
        <Button
          size="xs"
          variant="light"
          color="red"
          loading={s.busy}
          disabled={!reason}
          onClick={() => submit(true)}
        >
          Credit everything left
        </Button>
      </Group>
    </Stack>
  );
};

const InvoiceCard = ({
  invoice,
  canRead,
  canManage,
  onChanged,
}: {
  invoice: InvoiceT;
  canRead: boolean;
  canManage: boolean;
  onChanged: (msg: string) => void;
}) => {
  const [crediting, setCrediting] = useState(false);
  const creditable =
    canManage &&
    invoice.kind !== 'credit_note' &&
    ['issued', 'sent', 'partially_paid', 'paid'].includes(invoice.status);
  const pushes = useResource(
    () =>
      canRead && invoice.number
        ? api<{ items: Push[] }>('GET', `/api/v1/invoices/${invoice.id}/accounting`).then((r) => r.items)
        : Promise.resolve([] as Push[]),
    [invoice.id, invoice.version],
  );
  const [preview, setPreview] = useState(false);
  const kind =
    invoice.kind === 'credit_note'
      ? 'Credit note'
      : invoice.kind === 'deposit_invoice'
        ? 'Deposit invoice'
        : 'Invoice';
  return (
    <Card withBorder p="sm" aria-label={`${kind} ${invoice.number ?? 'draft'}`}>
      <Group justify="space-between">
        <Group gap="xs">
          <Text fw={600}>
            {kind} {invoice.number ?? '(draft)'}
          </Text>
          <StatusBadge status={invoice.status} kind="Invoice" />
        </Group>
        <Text fw={600}>{money(invoice.totals?.payable ?? null, invoice.currency)}</Text>
      </Group>
      <Text size="sm" c="dimmed">
        Outstanding {money(invoice.outstanding, invoice.currency)}
        {invoice.issueDate ? ` · issued ${dayText(invoice.issueDate)}` : ''}
        {invoice.dueDate ? ` · due ${dayText(invoice.dueDate)}` : ''}
      </Text>
      {invoice.holdReasons.length > 0 && (
        <Alert color="yellow" mt="xs" title="Waiting">
          {invoice.holdReasons.map((h) => h.message).join('; ')}
        </Alert>
      )}
      {invoice.number && (
        <Group mt="xs" gap="xs">
          <Button size="xs" variant="light" onClick={() => setPreview((p) => !p)}>
            {preview ? 'Hide PDF' : 'Preview PDF'}
          </Button>
          <Anchor size="sm" href={`/api/v1/invoices/${invoice.id}/pdf`} target="_blank">
            PDF
          </Anchor>
          <Anchor size="sm" href={`/api/v1/invoices/${invoice.id}/ubl`} download>
            UBL download
          </Anchor>
          {creditable && (
            <Button size="xs" variant="default" onClick={() => setCrediting((c) => !c)}>
              {crediting ? 'Keep as it is' : 'Credit…'}
            </Button>
          )}
        </Group>
      )}
      {crediting && (
        <CreditForm
          invoice={invoice}
          onDone={(msg) => {
            setCrediting(false);
            onChanged(msg);
          }}
        />
      )}
      {preview && (
        <iframe
          title={`PDF of ${invoice.number}`}
          src={`/api/v1/invoices/${invoice.id}/pdf`}
          className="pdf-preview"
        />
      )}
      {canRead && invoice.number && (
        <Loaded
          resource={pushes}
          what="the accounting sync state"
          isEmpty={(p) => p.length === 0}
          empty="Not pushed to an accounting system (no connector)."
        >
          {(items) => (
            <Stack gap={2} mt="xs" aria-label="Accounting sync">
              {items.map((p) => (
                <Text size="sm" key={p.connectorId}>
                  Accounting: <StatusBadge status={p.status} /> {p.externalId ? `ID ${p.externalId}` : ''}{' '}
                  {p.attempts > 1 ? `after ${p.attempts} attempts` : ''}{' '}
                  {p.lastError ? `— ${p.lastError}` : ''}
                </Text>
              ))}
            </Stack>
          )}
        </Loaded>
      )}
    </Card>
  );
};

const describe = (e: TimelineEventT): string => {
  const c = e.changes as Record<string, unknown>;
  const parts = Object.entries(c)
    .filter(([, v]) => v !== null && typeof v !== 'object')
    .slice(0, 4)
    .map(([k, v]) => `${k}: ${String(v)}`);
  return parts.join(' · ');
};

export const JobPage = ({ me, id }: { me: MeT; id: string }) => {
  const tz = me.organization.timeZone;
  const can = (a: string) => me.permissions.includes(a);
  const job = useResource(() => api<JobT>('GET', `/api/v1/jobs/${id}`), [id]);
  const record = useResource(() => api<CloseoutRecordT>('GET', `/api/v1/jobs/${id}/closeout`), [id]);
  const files = useResource(
    () => api<{ items: AttachmentT[] }>('GET', `/api/v1/jobs/${id}/attachments`).then((r) => r.items),
    [id],
  );
  const timeline = useResource(
    () => api<{ items: TimelineEventT[] }>('GET', `/api/v1/jobs/${id}/timeline`).then((r) => r.items),
    [id],
  );
  const approvals = useResource(
    () =>
      can('approvals.read')
        ? api<{ items: ApprovalT[] }>('GET', `/api/v1/approvals?jobId=${id}`).then((r) => r.items)
        : Promise.resolve([] as ApprovalT[]),
    [id],
  );
  const [invoiceNotice, setInvoiceNotice] = useState<string | null>(null);
  const invoices = useResource(
    () =>
      can('invoices.read')
        ? api<{ items: InvoiceT[] }>('GET', `/api/v1/invoices?jobId=${id}`).then((r) => r.items)
        : Promise.resolve([] as InvoiceT[]),
    [id],
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
              <Anchor href="#/board" size="sm">
                ← Board
              </Anchor>
              <Title order={1}>
                {j.number} · {j.customerName}
              </Title>
              <Text c="dimmed">
                {j.jobTypeName} at {j.siteName}
              </Text>
            </div>
            <Group>
              <StatusBadge status={j.status} kind="Work" />
              <StatusBadge status={j.billingStatus} kind="Billing" />
            </Group>
          </Group>
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
            </Section>
            <Section title="Schedule and crew">
              <Text>
                {dateTime(j.windowStart, tz)} – {dateTime(j.windowEnd, tz)}
              </Text>
              <Text size="sm">Crew: {j.crew.map((c) => c.name).join(', ') || 'unassigned'}</Text>
              <Loaded resource={timeline} what="history">
                {(items) => {
                  const moves = items.filter(
                    (e) => e.action === 'job.rescheduled' || e.action === 'job.reschedule',
                  );
                  return moves.length ? (
                    <List size="sm" mt="xs" aria-label="Reschedule history">
                      {moves.map((e) => (
                        <List.Item key={e.seq}>
                          {dateTime(e.at, tz)} by {e.actor.name ?? e.actor.type}: {e.reason ?? describe(e)}
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
                        ? `${money(j.depositAmount, me.organization.currency)} required, ${money(j.depositReceived ?? '0', me.organization.currency)} received`
                        : 'None'}
                    </Table.Td>
                  </Table.Tr>
                  <Table.Tr>
                    <Table.Th>Discount</Table.Th>
                    <Table.Td>{j.discountPercent ? `${j.discountPercent} %` : 'None'}</Table.Td>
                  </Table.Tr>
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
                          <StatusBadge status={a.status} kind="Approval" />
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
                    <>
                      <Group gap="xs">
                        <Text size="sm">
                          {r.current.source === 'office_edit' ? 'Corrected by the office' : 'Submitted'} by{' '}
                          {r.current.submittedBy ?? 'the API'} on {dateTime(r.current.submittedAt, tz)}
                        </Text>
                        {r.current.outcome === 'exception' && <Badge color="orange">By exception</Badge>}
                        {r.current.exceptionFlags.map((f) => (
                          <Badge key={f} color="yellow" variant="outline">
                            {f.replaceAll('_', ' ')}
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
                              <Table.Td>{l.kind}</Table.Td>
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
                      {r.current.notes && <Text size="sm">Notes: {r.current.notes}</Text>}
                      <Text size="sm">
                        Signed:{' '}
                        {r.current.signature
                          ? `${r.current.signature.signerName}, ${dateTime(r.current.signature.signedAt, tz)}`
                          : r.current.signatureException
                            ? `no — ${r.current.signatureException.reasonCode.replaceAll('_', ' ')}: ${r.current.signatureException.text}`
                            : 'no'}
                      </Text>
                      <Text size="sm">
                        Time and place: {dateTime(r.current.deviceTime, tz)}
                        {r.current.gps && (
                          <>
                            {' · '}
                            <Anchor
                              href={`https://www.openstreetmap.org/?mlat=${r.current.gps.latitude}&mlon=${r.current.gps.longitude}#map=17/${r.current.gps.latitude}/${r.current.gps.longitude}`}
                              target="_blank"
                              rel="noreferrer"
                            >
                              {r.current.gps.latitude.toFixed(5)}, {r.current.gps.longitude.toFixed(5)} (±
                              {Math.round(r.current.gps.accuracy)} m)
                            </Anchor>
                          </>
                        )}
                      </Text>
                    </>
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
            <Title order={3} size="h5" mt="md">
              Photos
            </Title>
            <Loaded
              resource={files}
              what="photos"
              isEmpty={(f) => f.length === 0}
              empty="No photos uploaded."
            >
              {(items) => (
                <Stack>
                  {[...byCategory(items)].map(([category, list]) => (
                    <section key={category} aria-label={`Photos: ${CATEGORY_LABEL[category] ?? category}`}>
                      <Text size="sm" fw={600}>
                        {CATEGORY_LABEL[category] ?? category} ({list.length})
                      </Text>
                      <div className="photo-grid">
                        {list.map((a) => (
                          <a
                            key={a.id}
                            href={`/api/v1/attachments/${a.id}/content`}
                            target="_blank"
                            rel="noreferrer"
                          >
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
          </Section>

          {can('invoices.read') && (
            <Section title="Invoices">
              <Feedback notice={invoiceNotice} error={null} onCloseNotice={() => setInvoiceNotice(null)} />
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

          <Section title="Audit timeline">
            <Loaded resource={timeline} what="the timeline" isEmpty={(t) => t.length === 0}>
              {(items) => (
                <Timeline bulletSize={12} lineWidth={2}>
                  {[...items].reverse().map((e) => (
                    <Timeline.Item key={e.seq} title={e.action.replaceAll('_', ' ')}>
                      <Text size="xs" c="dimmed">
                        {dateTime(e.at, tz)} · {e.actor.name ?? e.actor.type}
                      </Text>
                      {(e.reason || describe(e)) && <Text size="sm">{e.reason ?? describe(e)}</Text>}
                    </Timeline.Item>
                  ))}
                </Timeline>
              )}
            </Loaded>
          </Section>
          <Group>
            <Button variant="subtle" onClick={() => go('board')}>
              Back to the board
            </Button>
            <Text size="xs" c="dimmed">
              {STATUS_LABEL[j.status]} · version {j.version}
            </Text>
          </Group>
        </Stack>
      )}
    </Loaded>
  );
};
