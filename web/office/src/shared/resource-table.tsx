import { Group, Paper, Stack, Table, Text } from '@mantine/core';
import type { ReactNode } from 'react';

export type Column<T> = {
  header: string;
  cell: (row: T) => ReactNode;
  /** Numbers right-aligned, so amounts line up. */
  numeric?: boolean;
  /** Detail a person can do without at a glance: left out of the phone's cards. */
  wide?: boolean;
};

/** A list of records: a table on a wide screen, a card per record on a phone, with its empty state. */
export const ResourceTable = <T,>({
  label,
  rows,
  columns,
  rowKey,
  empty,
  phone = false,
}: {
  label: string;
  rows: T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  empty: string;
  phone?: boolean;
}) => {
  if (rows.length === 0)
    return (
      <Text c="dimmed" py="lg" ta="center" data-empty>
        {empty}
      </Text>
    );
  if (phone)
    // On a phone each record is a card of label and value: a table's columns do not fit 390 pixels.
    return (
      <Stack gap="xs" role="list" aria-label={label}>
        {rows.map((r) => (
          <Paper withBorder p="sm" key={rowKey(r)} role="listitem">
            <Stack gap={4}>
              {columns
                .filter((c) => !c.wide)
                .map((c) => (
                  <Group key={c.header} justify="space-between" wrap="nowrap" gap="sm" align="flex-start">
                    <Text size="xs" c="dimmed">
                      {c.header}
                    </Text>
                    <div style={{ textAlign: 'right' }}>{c.cell(r)}</div>
                  </Group>
                ))}
            </Stack>
          </Paper>
        ))}
      </Stack>
    );
  const shown = columns;
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table aria-label={label} highlightOnHover verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            {shown.map((c) => (
              <Table.Th key={c.header} ta={c.numeric ? 'right' : undefined}>
                {c.header}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((r) => (
            <Table.Tr key={rowKey(r)}>
              {shown.map((c) => (
                <Table.Td key={c.header} ta={c.numeric ? 'right' : undefined}>
                  {c.cell(r)}
                </Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
};
