import { Card, Title } from '@mantine/core';
import type { AttachmentT } from '../../shared/api';

export type Push = {
  connectorId: string;
  status: string;
  attempts: number;
  externalId: string | null;
  lastError: string | null;
};

export const CATEGORY_LABEL: Record<string, string> = {
  before: 'Before',
  after: 'After',
  serial_plate: 'Serial plate',
  signature: 'Signature',
  document: 'Documents',
  other: 'Other',
};

export const byCategory = (items: AttachmentT[]): Map<string, AttachmentT[]> => {
  const groups = new Map<string, AttachmentT[]>();
  for (const a of items) groups.set(a.category, [...(groups.get(a.category) ?? []), a]);
  return groups;
};

export const Section = ({ title, children }: { title: string; children: React.ReactNode }) => (
  <Card withBorder component="section" aria-label={title}>
    <Title order={2} size="h4" mb="sm">
      {title}
    </Title>
    {children}
  </Card>
);
