import { Card, Title } from '@mantine/core';
import type { z } from 'zod';
import type { AccountingPushes } from '../../../../../src/contracts/integrations';
import type { AttachmentT } from '../../shared/api';

/** Where an invoice stands at one accounting connector, as the API's contract says. */
export type Push = z.infer<typeof AccountingPushes>['items'][number];

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
