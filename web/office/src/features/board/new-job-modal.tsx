import {
  Alert,
  Button,
  Group,
  Modal,
  NumberInput,
  Select,
  Stack,
  Switch,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { zonedToInstant } from '../../../../../src/core/time';
import {
  api,
  type CustomerT,
  type JobT,
  type JobTypeT,
  listAll,
  type MeT,
  type TaxCodeT,
  type UserT,
} from '../../shared/api';
import { messageOf } from '../../shared/feedback';
import { Loaded } from '../../shared/loaded';
import { useApi } from '../../shared/query';

export const NewJobModal = ({
  me,
  opened,
  onClose,
  date,
  onCreated,
}: {
  me: MeT;
  opened: boolean;
  onClose: () => void;
  date: string;
  onCreated: (job: JobT) => void;
}) => {
  const tz = me.organization.timeZone;
  const refs = useApi(['customers', 'booking-refs', opened], async () => {
    if (!opened) return null;
    const [customers, jobTypes, users, taxCodes] = await Promise.all([
      listAll<CustomerT>('/api/v1/customers'),
      api<{ items: JobTypeT[] }>('GET', '/api/v1/job-types'),
      listAll<UserT>('/api/v1/users'),
      api<{ items: TaxCodeT[] }>('GET', '/api/v1/tax-codes'),
    ]);
    return { customers, jobTypes: jobTypes.items, users, taxCodes: taxCodes.items };
  });
  const [customerId, setCustomerId] = useState<string | null>(null);
  const [siteId, setSiteId] = useState<string | null>(null);
  const [jobTypeId, setJobTypeId] = useState<string | null>(null);
  const [technicianId, setTechnicianId] = useState<string | null>(null);
  const [scope, setScope] = useState('');
  const [day, setDay] = useState(date);
  const [start, setStart] = useState('09:00');
  const [hours, setHours] = useState<number | string>(2);
  const [depositRequired, setDepositRequired] = useState(false);
  const [depositAmount, setDepositAmount] = useState('');
  const [discountPercent, setDiscountPercent] = useState('');
  const [poNumber, setPoNumber] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const data = refs.data;
  const customer = data?.customers.find((c) => c.id === customerId);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (!customerId || !siteId || !jobTypeId) {
      setError('Choose a customer, a site and a job type');
      return;
    }
    const windowStart = zonedToInstant(day, start, tz);
    const windowEnd = new Date(windowStart.getTime() + Number(hours) * 3_600_000);
    setBusy(true);
    try {
      const job = await api<JobT>('POST', '/api/v1/jobs', {
        customerId,
        siteId,
        jobTypeId,
        scope,
        windowStart: windowStart.toISOString(),
        windowEnd: windowEnd.toISOString(),
        crew: technicianId ? [technicianId] : [],
        ...(depositRequired ? { depositRequired: true, depositAmount: depositAmount || null } : {}),
        ...(discountPercent ? { discountPercent } : {}),
        ...(poNumber ? { poNumber } : {}),
      });
      onCreated(job);
      setScope('');
      setPoNumber('');
      setDiscountPercent('');
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal opened={opened} onClose={onClose} title="New job" size="lg">
      <Loaded resource={refs} what="customers and job types">
        {(d) =>
          d && (
            <form onSubmit={submit} aria-label="New job">
              <Stack gap="sm">
                <Select
                  label="Customer"
                  searchable
                  required
                  data={d.customers.map((c) => ({ value: c.id, label: c.name }))}
                  value={customerId}
                  onChange={(v) => {
                    setCustomerId(v);
                    const c = d.customers.find((x) => x.id === v);
                    setSiteId(c?.sites.length === 1 ? (c.sites[0]?.id ?? null) : null);
                  }}
                />
                <Select
                  label="Site"
                  required
                  disabled={!customer}
                  data={(customer?.sites ?? []).map((s) => ({
                    value: s.id,
                    label: `${s.name}, ${s.address.line1}, ${s.address.city}`,
                  }))}
                  value={siteId}
                  onChange={setSiteId}
                />
                <Select
                  label="Job type"
                  required
                  data={d.jobTypes.map((t) => ({ value: t.id, label: t.name }))}
                  value={jobTypeId}
                  onChange={(v) => {
                    setJobTypeId(v);
                    const t = d.jobTypes.find((x) => x.id === v);
                    if (t) setHours(Math.round((t.defaultDurationMinutes / 60) * 4) / 4);
                  }}
                />
                <Textarea label="Scope" required value={scope} onChange={(e) => setScope(e.target.value)} />
                <Group grow>
                  <TextInput
                    type="date"
                    label="Date"
                    required
                    value={day}
                    onChange={(e) => setDay(e.target.value)}
                  />
                  <TextInput
                    type="time"
                    label="Start"
                    required
                    value={start}
                    onChange={(e) => setStart(e.target.value)}
                  />
                  <NumberInput
                    label="Hours"
                    min={0.25}
                    max={24}
                    step={0.25}
                    value={hours}
                    onChange={setHours}
                  />
                </Group>
                <Select
                  label="Technician"
                  clearable
                  placeholder="Unassigned"
                  data={d.users
                    .filter((u) => u.active && u.roles.includes('technician'))
                    .map((u) => ({ value: u.id, label: u.name }))}
                  value={technicianId}
                  onChange={setTechnicianId}
                />
                <Title order={5}>Billing facts</Title>
                <Group grow align="flex-end">
                  <Switch
                    label="Deposit required"
                    checked={depositRequired}
                    onChange={(e) => setDepositRequired(e.currentTarget.checked)}
                  />
                  <TextInput
                    label={`Deposit (${me.organization.currency})`}
                    disabled={!depositRequired}
                    value={depositAmount}
                    onChange={(e) => setDepositAmount(e.target.value)}
                    inputMode="decimal"
                  />
                </Group>
                <Group grow>
                  <TextInput
                    label="Discount %"
                    value={discountPercent}
                    onChange={(e) => setDiscountPercent(e.target.value)}
                    inputMode="decimal"
                  />
                  <TextInput
                    label="PO number"
                    value={poNumber}
                    onChange={(e) => setPoNumber(e.target.value)}
                  />
                </Group>
                {error && (
                  <Alert color="red" role="alert">
                    {error}
                  </Alert>
                )}
                <Group justify="flex-end">
                  <Button variant="default" onClick={onClose}>
                    Cancel
                  </Button>
                  <Button type="submit" loading={busy}>
                    Create job
                  </Button>
                </Group>
              </Stack>
            </form>
          )
        }
      </Loaded>
    </Modal>
  );
};
