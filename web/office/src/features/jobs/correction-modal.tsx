import { Alert, Button, Group, List, Modal, Stack, Switch, Text, Textarea, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { api, type CloseoutRecordT, type JobT } from '../../shared/api';
import { messageOf } from '../../shared/feedback';

/** Office correction: the latest submission as a starting point, validated by the server like any closeout. */
export const CorrectionModal = ({
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
