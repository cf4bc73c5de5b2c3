import { Button, Card, FileButton, Group, Image, Stack, Text, Title } from '@mantine/core';
import { MAX_QUOTE_PHOTOS, type Quote } from '../../../../../src/contracts/quotes';
import { api } from '../../shared/api';
import { useSubmit } from '../../shared/feedback';
import { plural } from '../../shared/format';
import { useInvalidate } from '../../shared/query';

/**
 * Photos from the site visit, shown to the customer with the offer: added and taken off until the customer
 * accepts, then part of what was agreed.
 */
export const QuotePhotos = ({ q, manage }: { q: Quote; manage: boolean }) => {
  const invalidate = useInvalidate();
  const s = useSubmit();
  const changeable = manage && q.status !== 'accepted' && q.jobId === null;
  if (q.photoIds.length === 0 && !changeable) return null;
  const add = (files: File[]) =>
    void s.run(async () => {
      for (const f of files.slice(0, MAX_QUOTE_PHOTOS - q.photoIds.length)) {
        const body = new FormData();
        body.append('file', f, f.name);
        await api('POST', `/api/v1/quotes/${q.id}/photos`, body);
      }
      invalidate('quotes');
      return files.length === 1 ? 'Photo added' : `${plural(files.length, 'photo', 'photos')} added`;
    });
  const remove = (photoId: string) =>
    void s.run(async () => {
      await api('DELETE', `/api/v1/quotes/${q.id}/photos/${photoId}`);
      invalidate('quotes');
      return 'Photo taken off';
    });
  return (
    <Card withBorder component="section" aria-label="Photos from the visit">
      <Group justify="space-between">
        <Title order={2} size="h4">
          Photos from the visit
        </Title>
        {changeable && q.photoIds.length < MAX_QUOTE_PHOTOS && (
          <FileButton onChange={add} accept="image/jpeg,image/png,image/webp" multiple>
            {(props) => (
              <Button size="xs" variant="default" loading={s.busy} {...props}>
                Add photos
              </Button>
            )}
          </FileButton>
        )}
      </Group>
      <Text size="sm" c="dimmed">
        The customer sees these with the quote
        {changeable ? `; up to ${MAX_QUOTE_PHOTOS}, until they accept it.` : '.'}
      </Text>
      {s.feedback}
      <Group mt="xs" gap="sm">
        {q.photoIds.map((id, i) => (
          <Stack key={id} gap={2} align="center">
            <a href={`/api/v1/quotes/${q.id}/photos/${id}`} target="_blank" rel="noreferrer">
              <Image
                src={`/api/v1/quotes/${q.id}/photos/${id}?size=small`}
                alt={`From the visit, ${i + 1} of ${q.photoIds.length}`}
                w={120}
                h={90}
                fit="cover"
                radius="sm"
              />
            </a>
            {changeable && (
              <Button size="compact-xs" variant="subtle" color="red" onClick={() => remove(id)}>
                Take off
              </Button>
            )}
          </Stack>
        ))}
      </Group>
    </Card>
  );
};
