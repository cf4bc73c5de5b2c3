import {
  Badge,
  Button,
  Card,
  Group,
  Progress,
  SegmentedControl,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useState } from 'react';
import { api, type MeT } from '../../shared/api';
import { Feedback, messageOf } from '../../shared/feedback';
import { dateTime, dayText, money, plural } from '../../shared/format';
import { Loaded } from '../../shared/loaded';
import { useApi, useInvalidate } from '../../shared/query';
import { BankEntryCard } from './bank-entry';
import { BankImport } from './bank-import';
import {
  type BankEntryT,
  type BankStatementT,
  type BankStatus,
  FORMAT_WORDS,
  ibanWords,
  STATUS_TABS,
} from './bank-words';

/**
 * The bank (#24): import statements, work through the payments that need a person (accept a suggestion, choose
 * invoices, set aside), see what was applied and undo a wrong match, and the statements imported so far.
 */
export const BankPage = ({ me }: { me: MeT }) => {
  const tz = me.organization.timeZone;
  const [status, setStatus] = useState<BankStatus>('review');
  const invalidate = useInvalidate();
  const statements = useApi(
    ['bank', 'statements'],
    () => api<{ items: BankStatementT[] }>('GET', '/api/v1/bank/statements').then((r) => r.items),
    // While a large file is matched in the background, its progress is polled each second.
    { refetchInterval: (items) => (items?.some((s) => s.unmatched > 0) ? 1000 : false) },
  );
  const matchingNow = (statements.data ?? []).some((s) => s.unmatched > 0);
  const entries = useApi(
    ['bank', 'entries', status],
    () => api<{ items: BankEntryT[] }>('GET', `/api/v1/bank/entries?status=${status}`).then((r) => r.items),
    { refetchInterval: matchingNow ? 2000 : false },
  );
  const phone = useMediaQuery('(max-width: 48em)');
  const [matching, setMatching] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const canAct = me.permissions.includes('payments.record');
  const changed = () => invalidate('bank', 'invoices', 'metrics', 'customers');
  const toReview = (statements.data ?? []).reduce((s, x) => s + x.toReview - x.unmatched, 0);

  return (
    <Stack>
      <Title order={1} size="h2">
        Bank
      </Title>
      {canAct && <BankImport onImported={changed} />}
      <Card withBorder component="section" aria-label="Bank entries">
        <Stack gap="sm">
          <Group justify="space-between" wrap="wrap">
            <SegmentedControl
              orientation={phone ? 'vertical' : 'horizontal'}
              fullWidth={phone ?? false}
              value={status}
              onChange={(v) => setStatus(v as BankStatus)}
              data={STATUS_TABS.map((t) => ({
                value: t.value,
                label: t.value === 'review' && toReview > 0 ? `${t.label} (${toReview})` : t.label,
              }))}
            />
            {canAct && status === 'review' && (
              <Button
                variant="light"
                size="xs"
                loading={matching}
                onClick={async () => {
                  setMatching(true);
                  setError(null);
                  try {
                    const r = await api<{ applied: number; toReview: number }>('POST', '/api/v1/bank/match');
                    setNotice(
                      r.applied > 0
                        ? `${plural(r.applied, 'payment', 'payments')} applied; ${r.toReview} still to review.`
                        : 'Nothing new to apply.',
                    );
                    changed();
                  } catch (err) {
                    setError(messageOf(err));
                  } finally {
                    setMatching(false);
                  }
                }}
              >
                Match again
              </Button>
            )}
          </Group>
          <Feedback notice={notice} error={error} onCloseNotice={() => setNotice(null)} />
          <Loaded
            resource={entries}
            what="the bank entries"
            isEmpty={(items) => items.length === 0}
            empty={
              <Text c="dimmed" size="sm">
                {status === 'review'
                  ? 'Nothing to review: every payment imported is placed.'
                  : 'No entries here yet.'}
              </Text>
            }
          >
            {(items) => (
              <Stack gap="xs">
                {items.map((e) => (
                  <BankEntryCard key={e.id} entry={e} timeZone={tz} canAct={canAct} onChanged={changed} />
                ))}
              </Stack>
            )}
          </Loaded>
        </Stack>
      </Card>
      <Card withBorder component="section" aria-label="Statements imported">
        <Stack gap="sm">
          <Title order={2} size="h4">
            Files imported
          </Title>
          <Loaded
            resource={statements}
            what="the files imported"
            isEmpty={(items) => items.length === 0}
            empty={
              <Text c="dimmed" size="sm">
                No bank file imported yet.
              </Text>
            }
          >
            {(items) => (
              <Table.ScrollContainer minWidth={560}>
                <Table>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>File</Table.Th>
                      <Table.Th>Period</Table.Th>
                      <Table.Th>Entries</Table.Th>
                      <Table.Th>Closing balance</Table.Th>
                      <Table.Th>Imported</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {items.map((s) => (
                      <Table.Tr key={s.id}>
                        <Table.Td>
                          <Text size="sm">{s.fileName}</Text>
                          <Text size="xs" c="dimmed">
                            {FORMAT_WORDS[s.format]} · {ibanWords(s.account)}
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          {s.from === s.to ? dayText(s.from) : `${dayText(s.from)} to ${dayText(s.to)}`}
                        </Table.Td>
                        <Table.Td>
                          <Group gap={4}>
                            <Text size="sm">{s.entryCount}</Text>
                            {s.applied > 0 && (
                              <Badge color="teal" variant="light">{`${s.applied} applied`}</Badge>
                            )}
                            {s.toReview > 0 && (
                              <Badge
                                color="orange"
                                variant="light"
                              >{`${s.toReview - s.unmatched} to review`}</Badge>
                            )}
                            {s.duplicateCount > 0 && (
                              <Badge color="gray" variant="light">{`${s.duplicateCount} seen before`}</Badge>
                            )}
                          </Group>
                        </Table.Td>
                        <Table.Td>{s.closing && s.currency ? money(s.closing, s.currency) : '–'}</Table.Td>
                        <Table.Td>{dateTime(s.importedAt, tz)}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
          </Loaded>
        </Stack>
      </Card>
    </Stack>
  );
};
