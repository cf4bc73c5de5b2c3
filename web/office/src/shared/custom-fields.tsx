import { Select, SimpleGrid, Table, TextInput } from '@mantine/core';
import { type CustomFieldDef, CustomFieldDefs } from '../../../../src/core/custom-fields';
import { dayText } from './format';

/** A job type's own fields, read from its untyped API view; none when it has none or they do not parse. */
export const fieldDefsOf = (jobType: { customFields: unknown } | undefined): CustomFieldDef[] => {
  const parsed = CustomFieldDefs.safeParse(jobType?.customFields ?? []);
  return parsed.success ? parsed.data : [];
};

/** What the form holds (text in inputs) as the API takes it: numbers as numbers, blanks left out. */
export const fieldValuesOf = (
  defs: readonly CustomFieldDef[],
  values: Record<string, string>,
): Record<string, string | number> => {
  const out: Record<string, string | number> = {};
  for (const d of defs) {
    const raw = (values[d.key] ?? '').trim();
    if (!raw) continue;
    const n = Number(raw.replace(',', '.'));
    out[d.key] = d.type === 'number' && Number.isFinite(n) ? n : raw;
  }
  return out;
};

/** The job's values as the inputs show them. */
export const fieldTextOf = (values: Record<string, string | number> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(values ?? {}).map(([k, v]) => [k, String(v)]));

/**
 * The inputs of a job type's own fields (a permit number, a gate code, a meter reading): text, number, date
 * or a choice, each with the contract's complaint under it (`customFields.<key>`).
 */
export const CustomFieldInputs = ({
  defs,
  values,
  errors,
  onChange,
}: {
  defs: readonly CustomFieldDef[];
  values: Record<string, string>;
  errors: Record<string, unknown>;
  onChange: (key: string, value: string) => void;
}) => {
  if (defs.length === 0) return null;
  return (
    <SimpleGrid cols={{ base: 1, sm: 2 }}>
      {defs.map((d) => {
        const common = {
          label: d.label,
          required: d.required && d.capture === 'booking',
          description:
            d.capture === 'closeout' ? 'Usually filled in by the technician at closeout' : undefined,
          error: errors[`customFields.${d.key}`] as string | undefined,
        };
        const value = values[d.key] ?? '';
        return d.type === 'choice' ? (
          <Select
            key={d.key}
            {...common}
            clearable
            data={d.options ?? []}
            value={value || null}
            onChange={(v) => onChange(d.key, v ?? '')}
          />
        ) : (
          <TextInput
            key={d.key}
            {...common}
            type={d.type === 'date' ? 'date' : 'text'}
            inputMode={d.type === 'number' ? 'decimal' : undefined}
            value={value}
            onChange={(e) => onChange(d.key, e.currentTarget.value)}
          />
        );
      })}
    </SimpleGrid>
  );
};

/** A job's own fields in words: label and value, dates as people write them. */
export const CustomFieldList = ({
  defs,
  values,
}: {
  defs: readonly CustomFieldDef[];
  values: Record<string, string | number>;
}) => {
  const shown = defs.filter((d) => values[d.key] !== undefined && values[d.key] !== '');
  if (shown.length === 0) return null;
  return (
    <Table aria-label="Job fields" variant="vertical" withTableBorder>
      <Table.Tbody>
        {shown.map((d) => (
          <Table.Tr key={d.key}>
            <Table.Th w="40%">{d.label}</Table.Th>
            <Table.Td>{d.type === 'date' ? dayText(String(values[d.key])) : String(values[d.key])}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
};
