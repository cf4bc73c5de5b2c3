import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  FileInput,
  Group,
  Modal,
  Progress,
  ScrollArea,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useState } from 'react';
import type { z } from 'zod';
import type { ImportBatch, ImportRow } from '../../../../../src/contracts/imports';
import {
  ACTION_WORDS,
  FIELD_WORDS,
  IMPORT_PRESETS,
  type ImportAction,
  type ImportField,
  type ImportKind,
  type ImportPreset,
  KIND_WORDS,
  PRESET_WORDS,
  STATUS_WORDS,
} from '../../../../../src/core/imports';
import { api } from '../../shared/api';
import { Feedback, messageOf } from '../../shared/feedback';
import { dateTime, plural } from '../../shared/format';
import { Loaded } from '../../shared/loaded';
import { useMe } from '../../shared/me';
import { useApi, useInvalidate } from '../../shared/query';

type Batch = z.infer<typeof ImportBatch>;
type Row = z.infer<typeof ImportRow>;

const RUNNING = new Set<Batch['status']>(['checking', 'importing', 'undoing']);
const ENCODING_WORDS: Record<string, string> = {
  'utf-8': 'CSV (UTF-8)',
  'utf-16le': 'CSV (UTF-16)',
  'utf-16be': 'CSV (UTF-16)',
  'windows-1252': 'CSV (Windows, Western European)',
  xlsx: 'Excel workbook',
};
const ACTION_COLORS: Record<ImportAction, string> = {
  create: 'teal',
  update: 'blue',
  unchanged: 'gray',
  duplicate: 'yellow',
  refused: 'red',
};
const ACTIONS: ImportAction[] = ['create', 'update', 'unchanged', 'duplicate', 'refused'];
const STATUS_COLORS: Record<Batch['status'], string> = {
  uploaded: 'blue',
  checking: 'blue',
  checked: 'teal',
  importing: 'blue',
  imported: 'green',
  undoing: 'orange',
  undone: 'gray',
  failed: 'red',
};
const n = (x: number | undefined) => (x ?? 0).toLocaleString('en-IE');

/**
 * Bringing a business's data from the tool it leaves (#25): upload a customer list or a price book (CSV or
 * Excel), check which column is which (guessed from Jobber, Housecall Pro, QuickBooks and Xero exports), see
 * what every row would do before anything is written, import it with progress, and undo it as a whole.
 */
export const ImportPage = () => {
  const [kind, setKind] = useState<ImportKind>('customers');
  const [selected, setSelected] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const invalidate = useInvalidate();
  const list = useApi(
    ['imports', 'list'],
    () => api<{ items: Batch[] }>('GET', '/api/v1/imports').then((r) => r.items),
    {
      refetchInterval: (items) => (items?.some((b) => RUNNING.has(b.status)) ? 1500 : false),
    },
  );
  const upload = async (file: File | null) => {
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      const body = new FormData();
      body.append('kind', kind);
      body.append('file', file);
      const batch = await api<Batch>('POST', '/api/v1/imports', body);
      setSelected(batch.id);
      invalidate('imports');
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Stack>
      <Title order={1} size="h2">
        Import customers, prices and jobs
      </Title>
      <Text c="dimmed" maw={720}>
        Bring your customer list, your price book and the jobs already booked from the tool you used before: a
        CSV or Excel export from Jobber, Housecall Pro, QuickBooks Online, Xero or any spreadsheet. Import the
        customers first: jobs find them by the old tool's customer ID or by name. Every row is checked first
        and nothing is saved until you say so; the same file imported twice creates nothing twice, and an
        import can be undone as a whole.
      </Text>
      <Card withBorder component="section" aria-label="Upload a file">
        <Stack gap="sm">
          <SegmentedControl
            aria-label="What the file holds"
            value={kind}
            onChange={(v) => setKind(v as ImportKind)}
            data={[
              { value: 'customers', label: 'Customers' },
              { value: 'price_book', label: 'Price book' },
              { value: 'jobs', label: 'Booked jobs' },
            ]}
            w="fit-content"
          />
          <FileInput
            label={FILE_LABEL[kind]}
            description={
              kind === 'jobs'
                ? 'Open and scheduled jobs or visits: the customer, the work, the day and times, the technicians. Booked here without a confirmation to the customer (the old tool sent one); the reminder the day before goes as usual.'
                : undefined
            }
            placeholder="Choose a file"
            accept=".csv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            onChange={(f) => void upload(f)}
            disabled={busy}
            maw={420}
          />
          {busy && <Progress value={100} animated aria-label="Uploading" />}
          <Feedback error={error} />
        </Stack>
      </Card>
      {selected && <BatchView key={selected} id={selected} onClose={() => setSelected(null)} />}
      <Card withBorder component="section" aria-label="Earlier imports">
        <Title order={2} size="h4" mb="sm">
          Earlier imports
        </Title>
        <Loaded
          resource={list}
          what="the imports"
          isEmpty={(l) => l.length === 0}
          empty="No file imported yet."
        >
          {(items) => <History items={items} onOpen={setSelected} />}
        </Loaded>
      </Card>
    </Stack>
  );
};

const History = ({ items, onOpen }: { items: Batch[]; onOpen: (id: string) => void }) => {
  const me = useMe();
  return (
    <ScrollArea>
      <Table striped aria-label="Imports">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>File</Table.Th>
            <Table.Th>Holds</Table.Th>
            <Table.Th>Uploaded</Table.Th>
            <Table.Th>Where it stands</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((b) => (
            <Table.Tr key={b.id}>
              <Table.Td>
                <Anchor component="button" onClick={() => onOpen(b.id)}>
                  {b.fileName}
                </Anchor>
              </Table.Td>
              <Table.Td>{KIND_WORDS[b.kind].many}</Table.Td>
              <Table.Td>{dateTime(b.createdAt, me.organization.timeZone)}</Table.Td>
              <Table.Td>
                <Badge variant="light" color={STATUS_COLORS[b.status]}>
                  {STATUS_WORDS[b.status]}
                </Badge>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollArea>
  );
};

const BatchView = ({ id, onClose }: { id: string; onClose: () => void }) => {
  const invalidate = useInvalidate();
  const batch = useApi(['imports', id], () => api<Batch>('GET', `/api/v1/imports/${id}`), {
    refetchInterval: (b) => (b && RUNNING.has(b.status) ? 1000 : false),
  });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const act = async (step: 'check' | 'run' | 'undo', body?: object) => {
    setBusy(true);
    setError(null);
    try {
      await api<Batch>('POST', `/api/v1/imports/${id}/${step}`, body);
      invalidate('imports', 'customers', 'catalog');
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card withBorder component="section" aria-label="This import">
      <Loaded resource={batch} what="the import">
        {(b) => (
          <Stack gap="sm">
            <Group justify="space-between" align="flex-start">
              <Stack gap={2}>
                <Title order={2} size="h4">
                  {b.fileName}
                </Title>
                <Text size="sm" c="dimmed">
                  {KIND_WORDS[b.kind].many[0]?.toUpperCase()}
                  {KIND_WORDS[b.kind].many.slice(1)} · {ENCODING_WORDS[b.encoding] ?? 'CSV'}
                  {b.totalRows !== null ? ` · ${plural(b.totalRows, 'row', 'rows')}` : ''}
                </Text>
              </Stack>
              <Group gap="xs">
                <Badge variant="light" color={STATUS_COLORS[b.status]} size="lg">
                  {STATUS_WORDS[b.status]}
                </Badge>
                <Button variant="subtle" size="xs" onClick={onClose}>
                  Close
                </Button>
              </Group>
            </Group>
            {b.status === 'failed' && (
              <Alert color="red" title="The import stopped" role="alert">
                {b.failure ?? 'Something went wrong.'}
              </Alert>
            )}
            {(b.status === 'uploaded' || (b.status === 'failed' && b.checkedAt === null)) && (
              <MappingForm batch={b} busy={busy} onCheck={(body) => void act('check', body)} />
            )}
            {RUNNING.has(b.status) && <Running batch={b} />}
            {(b.status === 'checked' ||
              b.status === 'imported' ||
              b.status === 'undone' ||
              (b.status === 'failed' && b.checkedAt !== null)) && <Report batch={b} busy={busy} act={act} />}
            <Feedback error={error} />
          </Stack>
        )}
      </Loaded>
    </Card>
  );
};

/** Which column is which: a row per field, the column read for it, and what the first row holds there. */
const MappingForm = ({
  batch,
  busy,
  onCheck,
}: {
  batch: Batch;
  busy: boolean;
  onCheck: (body: { preset: ImportPreset | null; mapping: Batch['mapping'] }) => void;
}) => {
  const [preset, setPreset] = useState<ImportPreset | null>(batch.preset);
  const [mapping, setMapping] = useState<Batch['mapping']>(batch.mapping);
  const first = batch.sample[0] ?? [];
  const sampleOf = (column: string | undefined) =>
    column === undefined ? '' : (first[batch.columns.indexOf(column)] ?? '');
  const columns = batch.columns.map((c) => ({ value: c, label: c }));
  return (
    <Stack gap="sm">
      <Text>
        {batch.preset
          ? `This looks like an export from ${PRESET_WORDS[batch.preset]}. Check which column is which, then check the file.`
          : 'Tell Closeout which column is which, then check the file.'}
      </Text>
      <Select
        label="Exported from"
        data={[
          ...IMPORT_PRESETS.map((p) => ({ value: p, label: PRESET_WORDS[p] })),
          { value: 'none', label: 'Another tool or a spreadsheet' },
        ]}
        value={preset ?? 'none'}
        onChange={(v) => setPreset(!v || v === 'none' ? null : (v as ImportPreset))}
        allowDeselect={false}
        maw={320}
      />
      <ScrollArea>
        <Table aria-label="Columns" verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Closeout reads</Table.Th>
              <Table.Th>From the column</Table.Th>
              <Table.Th>First row</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {batch.fields.map((f) => {
              const field = f as ImportField;
              return (
                <Table.Tr key={f}>
                  <Table.Td>{FIELD_WORDS[field]}</Table.Td>
                  <Table.Td>
                    <Select
                      aria-label={`Column for ${FIELD_WORDS[field]}`}
                      data={columns}
                      value={mapping[field as keyof Batch['mapping']] ?? null}
                      placeholder="Not in this file"
                      clearable
                      searchable
                      onChange={(v) => {
                        const next = { ...mapping };
                        if (v) next[field as keyof Batch['mapping']] = v;
                        else delete next[field as keyof Batch['mapping']];
                        setMapping(next);
                      }}
                      size="xs"
                      w={240}
                    />
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" c="dimmed" lineClamp={1}>
                      {sampleOf(mapping[field as keyof Batch['mapping']])}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </ScrollArea>
      <Group>
        <Button loading={busy} onClick={() => onCheck({ preset, mapping })}>
          Check the file
        </Button>
        <Text size="sm" c="dimmed">
          Nothing is saved by the check.
        </Text>
      </Group>
    </Stack>
  );
};

const Running = ({ batch }: { batch: Batch }) => {
  // Checking reads every row; importing and undoing go through the new and changed ones.
  const total =
    batch.status === 'checking'
      ? (batch.totalRows ?? 0)
      : (batch.summary.create ?? 0) + (batch.summary.update ?? 0);
  const done = batch.status === 'undoing' ? Math.max(0, total - batch.doneRows) : batch.doneRows;
  const verb = batch.status === 'checking' ? 'Checked' : batch.status === 'importing' ? 'Imported' : 'Undone';
  return (
    <Stack gap={4} aria-live="polite">
      <Progress
        value={total > 0 ? Math.min(100, (done / total) * 100) : 0}
        animated
        aria-label={`${verb} ${done} of ${total}`}
      />
      <Text size="sm" role="status">
        {total > 0 ? `${verb} ${n(done)} of ${n(total)} rows…` : `${STATUS_WORDS[batch.status]}…`}
      </Text>
    </Stack>
  );
};

const FILE_LABEL: Record<ImportKind, string> = {
  customers: 'Customer list (CSV or Excel)',
  price_book: 'Price book (CSV or Excel)',
  jobs: 'Booked jobs (CSV or Excel)',
};

/** What undoing an import of each kind does, said before it is done. */
const UNDO_WORDS: Record<ImportKind, string> = {
  customers:
    'The customers this file created are removed, except those a job, quote or invoice already uses.',
  price_book:
    'The items this file created are removed (or deactivated when a job used them), and the prices it changed go back to what they were, unless someone changed them since.',
  jobs: 'The jobs this file booked are removed while they are still as booked; a job moved, started or already announced to its customer since stays.',
};

/** The dry run's verdict: the counts as a bar, then the rows of each kind, problems named by column. */
const Report = ({
  batch,
  busy,
  act,
}: {
  batch: Batch;
  busy: boolean;
  act: (step: 'check' | 'run' | 'undo') => Promise<void>;
}) => {
  const words = KIND_WORDS[batch.kind];
  const total = ACTIONS.reduce((s, a) => s + (batch.summary[a] ?? 0), 0);
  // What to fix first, else the first kind of row there is.
  const firstShown =
    (batch.summary.refused ?? 0) > 0
      ? 'refused'
      : (ACTIONS.find((a) => (batch.summary[a] ?? 0) > 0) ?? 'create');
  const [action, setAction] = useState<ImportAction>(firstShown);
  const phone = useMediaQuery('(max-width: 48em)');
  const [confirmUndo, setConfirmUndo] = useState(false);
  const toImport = (batch.summary.create ?? 0) + (batch.summary.update ?? 0);
  return (
    <Stack gap="sm">
      {batch.status === 'imported' && (
        <Alert color="green" role="status" title="Imported">
          {[
            (batch.summary.create ?? 0) > 0 &&
              `${plural(batch.summary.create ?? 0, `${words.one} created`, `${words.many} created`)}`,
            (batch.summary.update ?? 0) > 0 &&
              `${plural(batch.summary.update ?? 0, `${words.one} updated`, `${words.many} updated`)}`,
            (batch.summary.duplicate ?? 0) + (batch.summary.unchanged ?? 0) > 0 &&
              `${n((batch.summary.duplicate ?? 0) + (batch.summary.unchanged ?? 0))} already here, skipped`,
            (batch.summary.refused ?? 0) > 0 && `${n(batch.summary.refused)} could not be imported`,
          ]
            .filter(Boolean)
            .join(' · ')}
        </Alert>
      )}
      {batch.status === 'undone' && (
        <Alert color="gray" role="status" title="Undone">
          {`${plural(batch.summary.undone ?? 0, `${words.one} removed or restored`, `${words.many} removed or restored`)}`}
          {(batch.summary.kept ?? 0) > 0
            ? ` · ${n(batch.summary.kept)} kept, because they are in use or were changed since`
            : ''}
        </Alert>
      )}
      {total > 0 && (
        <Stack gap={4}>
          <Progress.Root size={22} aria-label="What the rows do">
            {ACTIONS.filter((a) => (batch.summary[a] ?? 0) > 0).map((a) => (
              <Progress.Section
                key={a}
                value={((batch.summary[a] ?? 0) / total) * 100}
                color={ACTION_COLORS[a]}
              >
                <Progress.Label>{n(batch.summary[a])}</Progress.Label>
              </Progress.Section>
            ))}
          </Progress.Root>
          <SegmentedControl
            aria-label="Rows to show"
            value={action}
            onChange={(v) => setAction(v as ImportAction)}
            data={ACTIONS.map((a) => ({ value: a, label: `${ACTION_WORDS[a]} (${n(batch.summary[a])})` }))}
            fullWidth={phone}
            orientation={phone ? 'vertical' : 'horizontal'}
          />
        </Stack>
      )}
      <Rows batchId={batch.id} action={action} status={batch.status} />
      {batch.status === 'checked' && (
        <Group>
          <Button loading={busy} disabled={toImport === 0} onClick={() => void act('run')}>
            {toImport === 0
              ? 'Nothing to import'
              : (batch.summary.update ?? 0) > 0
                ? `Import ${n(batch.summary.create)} new and update ${n(batch.summary.update)}`
                : `Import ${plural(toImport, words.one, words.many)}`}
          </Button>
          <Button variant="default" loading={busy} onClick={() => void act('check')}>
            Check again
          </Button>
          {(batch.summary.refused ?? 0) > 0 && (
            <Text size="sm" c="dimmed" maw={420}>
              Rows that cannot be imported are left out. Fix them in your file and upload it again: rows
              already imported will not be imported twice.
            </Text>
          )}
        </Group>
      )}
      {batch.status === 'failed' && batch.checkedAt !== null && (
        <Group>
          <Button loading={busy} onClick={() => void act(batch.importedAt ? 'undo' : 'run')}>
            {batch.importedAt ? 'Undo again' : 'Resume the import'}
          </Button>
        </Group>
      )}
      {batch.status === 'imported' && (
        <Group>
          <Button color="red" variant="light" onClick={() => setConfirmUndo(true)}>
            Undo this import
          </Button>
        </Group>
      )}
      <Modal opened={confirmUndo} onClose={() => setConfirmUndo(false)} title="Undo this import?">
        <Stack>
          <Text size="sm">{UNDO_WORDS[batch.kind]}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirmUndo(false)}>
              Keep it
            </Button>
            <Button
              color="red"
              loading={busy}
              onClick={() => {
                setConfirmUndo(false);
                void act('undo');
              }}
            >
              Undo the import
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
};

const problemWords = (p: Row['problems'][number]) => {
  const what = FIELD_WORDS[p.field as ImportField] ?? p.field;
  return p.column && p.column !== what
    ? `${what} (column “${p.column}”) ${p.message}`
    : `${what} ${p.message}`;
};

const Rows = ({
  batchId,
  action,
  status,
}: {
  batchId: string;
  action: ImportAction;
  status: Batch['status'];
}) => {
  const [page, setPage] = useState(0);
  const size = 50;
  const rows = useApi(['imports', batchId, 'rows', action, page, status], () =>
    api<{ rows: Row[]; total: number }>(
      'GET',
      `/api/v1/imports/${batchId}/rows?action=${action}&offset=${page * size}&limit=${size}`,
    ),
  );
  return (
    <Loaded resource={rows} what="the rows" isEmpty={(r) => r.total === 0} empty="No rows of this kind.">
      {(r) => (
        <Stack gap="xs">
          <ScrollArea>
            <Table striped aria-label={ACTION_WORDS[action]}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Line</Table.Th>
                  <Table.Th>Row</Table.Th>
                  <Table.Th>{action === 'refused' ? 'What to fix' : 'What happens'}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {r.rows.map((row) => (
                  <Table.Tr key={row.line}>
                    <Table.Td>{row.line}</Table.Td>
                    <Table.Td>{row.label}</Table.Td>
                    <Table.Td>
                      {row.problems.length > 0 ? (
                        <Stack gap={0}>
                          {row.problems.map((p) => (
                            <Text
                              key={`${p.field}${p.message}`}
                              size="sm"
                              c={row.action === 'refused' ? 'red' : 'dimmed'}
                            >
                              {problemWords(p)}
                            </Text>
                          ))}
                        </Stack>
                      ) : row.matchLabel ? (
                        <Text size="sm">
                          {row.action === 'update'
                            ? 'Updates'
                            : row.action === 'unchanged'
                              ? 'Already here as'
                              : 'Looks like'}{' '}
                          {row.matchLabel}
                        </Text>
                      ) : (
                        <Text size="sm">{row.done ? 'Created' : 'Will be created'}</Text>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
          {r.total > size && (
            <Group>
              <Button size="xs" variant="default" disabled={page === 0} onClick={() => setPage(page - 1)}>
                Previous
              </Button>
              <Text size="sm">
                Rows {n(page * size + 1)}–{n(Math.min(r.total, (page + 1) * size))} of {n(r.total)}
              </Text>
              <Button
                size="xs"
                variant="default"
                disabled={(page + 1) * size >= r.total}
                onClick={() => setPage(page + 1)}
              >
                Next
              </Button>
            </Group>
          )}
        </Stack>
      )}
    </Loaded>
  );
};
