import { Alert, Button, Center, Group, Loader, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import type { Resource } from './query';

/** Loading, error and empty states, the same on every screen. */
export const Loaded = <T,>({
  resource,
  empty,
  isEmpty,
  children,
  what,
}: {
  resource: Resource<T>;
  what: string;
  empty?: ReactNode;
  isEmpty?: (data: T) => boolean;
  children: (data: T) => ReactNode;
}) => {
  if (resource.data === undefined && resource.error) {
    return (
      <Alert color="red" title={`Could not load ${what}`} role="alert">
        <Stack gap="xs">
          <Text size="sm">{resource.error}</Text>
          <Group>
            <Button size="xs" variant="light" onClick={resource.reload}>
              Try again
            </Button>
          </Group>
        </Stack>
      </Alert>
    );
  }
  if (resource.data === undefined) {
    return (
      <Center py="xl" aria-busy="true">
        <Loader size="sm" aria-label={`Loading ${what}`} />
        <Text ml="sm" c="dimmed">
          Loading {what}…
        </Text>
      </Center>
    );
  }
  if (isEmpty?.(resource.data)) {
    return (
      <Text c="dimmed" py="lg" ta="center" data-empty>
        {empty ?? `No ${what}.`}
      </Text>
    );
  }
  return <>{children(resource.data)}</>;
};
