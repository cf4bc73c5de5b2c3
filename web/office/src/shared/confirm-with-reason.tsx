import { Button, Group, Stack, Text, Textarea } from '@mantine/core';
import { useState } from 'react';
import { EditModal } from './edit-modal';
import { messageOf } from './feedback';

/**
 * A consequential action (cancel a job, mark a no-show, reject) asks why before it happens; the reason goes
 * to the audit trail with the action, and nothing happens until the person confirms.
 */
export const ConfirmWithReason = ({
  opened,
  onClose,
  title,
  description,
  reasonLabel = 'Reason',
  confirmLabel,
  color = 'red',
  minLength = 3,
  onConfirm,
}: {
  opened: boolean;
  onClose: () => void;
  title: string;
  description: string;
  reasonLabel?: string;
  confirmLabel: string;
  color?: string;
  minLength?: number;
  onConfirm: (reason: string) => Promise<void>;
}) => {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const tooShort = reason.trim().length < minLength;
  return (
    <EditModal opened={opened} onClose={onClose} title={title} size="md">
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          if (tooShort) return;
          setBusy(true);
          setError(null);
          try {
            await onConfirm(reason.trim());
            setReason('');
            onClose();
          } catch (err) {
            setError(messageOf(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        <Stack>
          <Text size="sm">{description}</Text>
          <Textarea
            label={reasonLabel}
            required
            autosize
            minRows={2}
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            error={error}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Keep as is
            </Button>
            <Button type="submit" color={color} loading={busy} disabled={tooShort}>
              {confirmLabel}
            </Button>
          </Group>
        </Stack>
      </form>
    </EditModal>
  );
};
