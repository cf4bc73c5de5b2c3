import {
  Button,
  Card,
  Checkbox,
  FileInput,
  Group,
  MultiSelect,
  Progress,
  ScrollArea,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import type { z } from 'zod';
import {
  type BankImportResult,
  type CsvMapping,
  type CsvPreview,
  DATE_FORMATS,
  type SavedCsvMapping,
} from '../../../../../src/contracts/bank';
import { looksLikeCamt } from '../../../../../src/core/bank-matching';
import { api } from '../../shared/api';
import { Feedback, messageOf } from '../../shared/feedback';
import { plural } from '../../shared/format';
import { useApi } from '../../shared/query';

type Result = z.infer<typeof BankImportResult>;
type Mapping = z.infer<typeof CsvMapping>;
type Preview = z.infer<typeof CsvPreview>;
type Saved = z.infer<typeof SavedCsvMapping>;

/** What an import did, in a sentence. */
export const resultWords = (r: Result) => {
  const parts = [
    `${plural(r.added, 'new entry', 'new entries')}`,
    r.applied > 0 ? `${plural(r.applied, 'payment', 'payments')} applied to invoices` : null,
    r.payouts > 0 ? `${plural(r.payouts, 'Stripe payout', 'Stripe payouts')} reconciled` : null,
    r.toReview > 0 ? `${r.toReview} to review` : null,
    r.matching > 0 ? `${plural(r.matching, 'payment', 'payments')} being matched (see the file below)` : null,
    r.duplicates > 0 ? `${plural(r.duplicates, 'entry was', 'entries were')} already imported` : null,
  ].filter(Boolean);
  return `${parts.join(', ')}.`;
};

/**
 * Import a bank file: CAMT XML goes straight in; a CSV first shows its lines and asks which column is which
 * (guessed from the header, or the mapping saved for that bank), and may save the answer for next time.
 */
export const BankImport = ({ onImported }: { onImported: (r: Result) => void }) => {
  const [file, setFile] = useState<File | null>(null);
  const [content, setContent] = useState<string | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [mapping, setMapping] = useState<Mapping | null>(null);
  const [savedId, setSavedId] = useState<string | null>(null);
  const [saveAs, setSaveAs] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const saved = useApi(['bank', 'csv-mappings'], () =>
    api<{ items: Saved[] }>('GET', '/api/v1/bank/csv-mappings').then((r) => r.items),
  );

  const reset = () => {
    setFile(null);
    setContent(null);
    setPreview(null);
    setMapping(null);
    setSavedId(null);
  };
  const send = async (text: string, name: string, extra: object) => {
    setBusy(true);
    setError(null);
    try {
      const r = await api<Result>('POST', '/api/v1/bank/imports', {
        fileName: name,
        content: text,
        ...extra,
      });
      setDone(`${name}: ${resultWords(r)}`);
      reset();
      saved.reload();
      onImported(r);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  const choose = async (f: File | null) => {
    setError(null);
    setDone(null);
    setFile(f);
    if (!f) return reset();
    const text = await f.text();
    setContent(text);
    if (looksLikeCamt(text)) return send(text, f.name, {});
    try {
      const p = await api<Preview>('POST', '/api/v1/bank/csv-preview', { content: text });
      setPreview(p);
      const first = saved.data?.[0];
      setSavedId(first?.id ?? null);
      setMapping(first ? first.mapping : p.guess);
    } catch (err) {
      setError(messageOf(err));
    }
  };
  const header = preview?.rows[0] ?? [];
  const columns = header.map((h, i) => ({ value: String(i), label: h || `Column ${i + 1}` }));
  const col = (v: number | null) => (v === null ? null : String(v));
  const set = (patch: Partial<Mapping>) => mapping && setMapping({ ...mapping, ...patch });
  const columnSelect = (
    label: string,
    key: 'date' | 'amount' | 'credit' | 'debit' | 'name' | 'iban' | 'reference',
    clearable = true,
  ) => (
    <Select
      label={label}
      data={columns}
      value={col(mapping?.[key] ?? null)}
      clearable={clearable}
      onChange={(v) => set({ [key]: v === null ? null : Number(v) } as Partial<Mapping>)}
      w={170}
    />
  );

  return (
    <Card withBorder component="section" aria-label="Import a bank file">
      <Stack gap="sm">
        <Title order={2} size="h4">
          Import a bank file
        </Title>
        <Text size="sm" c="dimmed">
          A statement (CAMT.053), a payment notification (CAMT.054) or your bank’s CSV export. Payments that
          quote an invoice, or come from a payer we know for an amount they owe, are applied at once; the rest
          wait below for you. A file imported twice adds nothing.
        </Text>
        <FileInput
          label="Bank file"
          placeholder="Choose a .xml or .csv file"
          accept=".xml,.csv,.txt,text/csv,application/xml,text/xml"
          value={file}
          onChange={choose}
          clearable
          w={360}
        />
        {busy && <Progress value={100} animated aria-label="Importing" />}
        {preview && mapping && content && file && (
          <Stack gap="sm" aria-label="Which column is which">
            <Text size="sm" fw={500}>
              Which column is which
            </Text>
            {(saved.data?.length ?? 0) > 0 && (
              <Select
                label="Bank"
                data={[
                  ...(saved.data ?? []).map((s) => ({ value: s.id, label: s.name })),
                  { value: 'new', label: 'Another bank…' },
                ]}
                value={savedId ?? 'new'}
                allowDeselect={false}
                onChange={(v) => {
                  const s = saved.data?.find((x) => x.id === v);
                  setSavedId(s?.id ?? null);
                  setMapping(s ? s.mapping : preview.guess);
                }}
                w={240}
              />
            )}
            <ScrollArea>
              <Table withTableBorder fz="xs" aria-label="The file's first lines">
                <Table.Tbody>
                  {preview.rows.slice(0, 5).map((r, i) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: lines of a file have no other identity
                    <Table.Tr key={i} fw={i === 0 && mapping.hasHeader ? 600 : undefined}>
                      {r.map((c, j) => (
                        // biome-ignore lint/suspicious/noArrayIndexKey: columns of a line
                        <Table.Td key={j}>{c}</Table.Td>
                      ))}
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </ScrollArea>
            <Group align="flex-end" wrap="wrap">
              {columnSelect('Date', 'date', false)}
              <Select
                label="Date written"
                data={DATE_FORMATS.map((f) => ({ value: f, label: f }))}
                value={mapping.dateFormat}
                allowDeselect={false}
                onChange={(v) => v && set({ dateFormat: v as Mapping['dateFormat'] })}
                w={150}
              />
              {columnSelect('Amount (signed)', 'amount')}
              {mapping.amount === null && columnSelect('Money in', 'credit')}
              {mapping.amount === null && columnSelect('Money out', 'debit')}
              <Select
                label="Decimal mark"
                data={[
                  { value: '.', label: '12.50' },
                  { value: ',', label: '12,50' },
                ]}
                value={mapping.decimalMark}
                allowDeselect={false}
                onChange={(v) => v && set({ decimalMark: v as Mapping['decimalMark'] })}
                w={120}
              />
            </Group>
            <Group align="flex-end" wrap="wrap">
              <MultiSelect
                label="Payment details"
                data={columns}
                value={mapping.text.map(String)}
                onChange={(v) => v.length > 0 && set({ text: v.map(Number) })}
                w={260}
              />
              {columnSelect('Payer', 'name')}
              {columnSelect('Payer’s IBAN', 'iban')}
              {columnSelect('Bank’s transaction ID', 'reference')}
            </Group>
            <Group align="flex-end" wrap="wrap">
              <TextInput
                label="Account"
                description="Its IBAN or a name"
                value={mapping.account}
                onChange={(e) => set({ account: e.target.value })}
                w={260}
              />
              <Checkbox
                label="First line is a header"
                checked={mapping.hasHeader}
                onChange={(e) => set({ hasHeader: e.currentTarget.checked })}
              />
              {!savedId && (
                <TextInput
                  label="Save as"
                  description="The bank’s name, to read its next file the same way"
                  value={saveAs}
                  onChange={(e) => setSaveAs(e.target.value)}
                  w={260}
                />
              )}
            </Group>
            <Group>
              <Button
                loading={busy}
                onClick={() =>
                  send(content, file.name, {
                    mapping,
                    ...(saveAs.trim() && !savedId ? { saveMappingAs: saveAs.trim() } : {}),
                  })
                }
              >
                Import
              </Button>
              <Button variant="subtle" onClick={reset}>
                Cancel
              </Button>
            </Group>
          </Stack>
        )}
        <Feedback error={error} />
        {done && (
          <Text size="sm" c="teal.8" role="status">
            {done}
          </Text>
        )}
      </Stack>
    </Card>
  );
};
