import { Badge, Button, Group, Paper, Stack, Text, Textarea } from '@mantine/core';
import { useState } from 'react';
import type { z } from 'zod';
import type { Comment } from '../../../../../src/contracts/jobs';
import { api } from '../../shared/api';
import { messageOf } from '../../shared/feedback';
import { dateTime } from '../../shared/format';
import { Loaded } from '../../shared/loaded';
import { useCan, useMe } from '../../shared/me';
import { useApi } from '../../shared/query';

type CommentT = z.infer<typeof Comment>;

/**
 * The job's conversation between office and crew. "Ask the technician" posts the question and notifies
 * the assigned technicians on their phones; the office sees their answers here as they arrive.
 */
export const Conversation = ({ jobId, suggestion }: { jobId: string; suggestion?: string }) => {
  const can = useCan();
  const tz = useMe().organization.timeZone;
  const comments = useApi(['jobs', jobId, 'comments'], () =>
    api<{ items: CommentT[] }>('GET', `/api/v1/jobs/${jobId}/comments`).then((r) => r.items),
  );
  const [text, setText] = useState(suggestion ?? '');
  const [busy, setBusy] = useState(false);
  const [said, setSaid] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const post = async (kind: 'comments' | 'info-requests') => {
    setBusy(true);
    setError(null);
    setSaid(null);
    try {
      const r = await api<{ notified: string[] }>('POST', `/api/v1/jobs/${jobId}/${kind}`, {
        body: text.trim(),
      });
      setText('');
      setSaid(
        kind === 'info-requests'
          ? r.notified.length === 0
            ? 'Posted; no technician is assigned to notify'
            : `Asked ${r.notified.length === 1 ? 'the technician' : `${r.notified.length} technicians`}: it is on their phones`
          : 'Posted',
      );
      comments.reload();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Stack>
      <Loaded
        resource={comments}
        what="the conversation"
        isEmpty={(c) => c.length === 0}
        empty="Nothing said yet."
      >
        {(items) => (
          <Stack gap="xs" role="log" aria-label="Conversation">
            {items.map((c) => (
              <Paper key={c.id} withBorder p="xs">
                <Group justify="space-between" gap="xs">
                  <Text size="sm" fw={600}>
                    {c.author.name ?? (c.author.type === 'system' ? 'Closeout' : 'An integration')}
                  </Text>
                  <Group gap="xs">
                    {c.kind === 'info_request' && (
                      <Badge size="sm" color="orange" variant="light">
                        Asked the crew
                      </Badge>
                    )}
                    <Text size="xs" c="dimmed">
                      {dateTime(c.createdAt, tz)}
                    </Text>
                  </Group>
                </Group>
                <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                  {c.body}
                </Text>
              </Paper>
            ))}
          </Stack>
        )}
      </Loaded>
      {can('jobs.comment') && (
        <Stack gap="xs">
          <Textarea
            label="Message"
            autosize
            minRows={2}
            maxLength={4000}
            value={text}
            onChange={(e) => setText(e.currentTarget.value)}
            error={error}
          />
          <Group gap="xs">
            <Button
              size="xs"
              variant="light"
              disabled={!text.trim()}
              loading={busy}
              onClick={() => post('comments')}
            >
              Post
            </Button>
            {can('jobs.request_info') && (
              <Button size="xs" disabled={!text.trim()} loading={busy} onClick={() => post('info-requests')}>
                Ask the technician
              </Button>
            )}
            {said && (
              <Text size="sm" c="green.8" role="status">
                {said}
              </Text>
            )}
          </Group>
        </Stack>
      )}
    </Stack>
  );
};
