import { Button, Group, List, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { api, type CloseoutRecordT, type JobT } from '../../shared/api';
import { messageOf, useSubmit } from '../../shared/feedback';
import { Loaded } from '../../shared/loaded';
import { useApi } from '../../shared/query';

/** One missing-proof item: the list from the latest refusal, and the one action that clears it. */
export const MissingItem = ({
  job,
  canRequest,
  onDone,
}: {
  job: JobT;
  canRequest: boolean;
  onDone: (msg: string) => void;
}) => {
  const record = useApi(['jobs', job.id, 'closeout'], () =>
    api<CloseoutRecordT>('GET', `/api/v1/jobs/${job.id}/closeout`),
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const request = async (missing: string[]) => {
    setBusy(true);
    setError(null);
    try {
      const body = missing.length
        ? `Please complete the closeout of ${job.number}: ${missing.join('; ')}`
        : `Please submit the closeout of ${job.number}`;
      await api('POST', `/api/v1/jobs/${job.id}/info-requests`, { body });
      onDone(`Asked the crew of ${job.number} for the missing items`);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Loaded resource={record} what="the missing list">
      {(r) => (
        <Stack gap={4}>
          {r.missing.length > 0 && (
            <List size="sm" aria-label={`Missing for ${job.number}`}>
              {r.missing.map((m) => (
                <List.Item key={`${m.field}-${m.message}`}>{m.message}</List.Item>
              ))}
            </List>
          )}
          {error && (
            <Text c="red" size="sm" role="alert">
              {error}
            </Text>
          )}
          {canRequest && (
            <Group>
              <Button size="xs" loading={busy} onClick={() => request(r.missing.map((m) => m.message))}>
                Request from technician
              </Button>
            </Group>
          )}
        </Stack>
      )}
    </Loaded>
  );
};

/** Billing closes a job in review as not billable (warranty, goodwill), with the reason the timeline keeps. */
export const NotBillableAction = ({ job, onDone }: { job: JobT; onDone: (msg: string) => void }) => {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const s = useSubmit();
  const close = () =>
    s.run(async () => {
      await api('POST', `/api/v1/jobs/${job.id}/close-not-billable`, { reason });
      const msg = `${job.number} closed as not billable`;
      onDone(msg);
      return msg;
    });
  if (!open)
    return (
      <Button size="xs" variant="default" onClick={() => setOpen(true)}>
        Close as not billable
      </Button>
    );
  return (
    <Group align="flex-end" gap="xs">
      <TextInput
        size="xs"
        label={`Why is ${job.number} not billable?`}
        placeholder="Covered by the warranty"
        value={reason}
        onChange={(e) => setReason(e.currentTarget.value)}
        error={s.error}
      />
      <Button size="xs" color="red" loading={s.busy} disabled={!reason.trim()} onClick={close}>
        Close as not billable
      </Button>
      <Button size="xs" variant="subtle" onClick={() => setOpen(false)}>
        Keep it
      </Button>
    </Group>
  );
};
