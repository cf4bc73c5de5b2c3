import { Button, Card, Group, Stack, Table } from '@mantine/core';
import { useState } from 'react';
import { api, type JobTypeT } from '../../shared/api';
import { Loaded } from '../../shared/loaded';
import { useApi } from '../../shared/query';
import { DefaultApprovalRules } from './default-approval-rules';
import { JobTypeForm, type Requirements, type Rule } from './job-type-form';

export const JobTypes = () => {
  const list = useApi(['catalog', 'job-types'], () =>
    api<{ items: JobTypeT[] }>('GET', '/api/v1/job-types').then((r) => r.items),
  );
  const [editing, setEditing] = useState<JobTypeT | 'new' | null>(null);
  return (
    <Stack>
      <Loaded resource={list} what="job types" isEmpty={(x) => x.length === 0}>
        {(xs) => (
          <Table aria-label="Job types">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Code</Table.Th>
                <Table.Th>Name</Table.Th>
                <Table.Th>Requires</Table.Th>
                <Table.Th>Approval rules</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {xs.map((t) => {
                const r = t.closeoutRequirements as Requirements;
                return (
                  <Table.Tr key={t.id}>
                    <Table.Td>{t.code}</Table.Td>
                    <Table.Td>{t.name}</Table.Td>
                    <Table.Td>
                      {[
                        ...r.photos.map((p) => `${p.min} ${p.category.replaceAll('_', ' ')}`),
                        r.signature && 'signature',
                        r.serialNumbers && 'serials',
                        r.notes && 'notes',
                      ]
                        .filter(Boolean)
                        .join(', ')}
                    </Table.Td>
                    <Table.Td>{(t.approvalRules as Rule[]).length}</Table.Td>
                    <Table.Td>
                      <Button size="xs" variant="light" onClick={() => setEditing(t)}>
                        Edit {t.name}
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        )}
      </Loaded>
      <DefaultApprovalRules />
      {editing === null ? (
        <Group>
          <Button onClick={() => setEditing('new')}>New job type</Button>
        </Group>
      ) : (
        <Card withBorder>
          <JobTypeForm
            key={editing === 'new' ? 'new' : editing.id}
            initial={editing === 'new' ? null : editing}
            onSaved={list.reload}
          />
          <Group mt="sm">
            <Button variant="default" onClick={() => setEditing(null)}>
              Close editor
            </Button>
          </Group>
        </Card>
      )}
    </Stack>
  );
};
