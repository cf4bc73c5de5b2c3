import { Button, Group, NumberInput, Select, Text, TextInput } from '@mantine/core';
import type { GetInputPropsReturnType } from '@mantine/form';
import { APPROVAL_RULE_CODES } from '../../../../../src/core/job-type-templates';
import { ROLE_WORDS } from '../../../../../src/core/roles';
import { RULE_LABEL } from '../approvals/proof';

export type Rule = {
  code: string;
  threshold: string | null;
  approverRole: string;
  slaHours: number | string;
};
type Field = 'code' | 'threshold' | 'approverRole' | 'slaHours';

/** What a rule's threshold counts, so "10" reads as 10 % or 10 hours or 10.00 of money. */
const THRESHOLD_UNITS: Record<string, string> = {
  discount_above_percent: '% discount',
  labor_hours_over_estimate: 'hours over',
  overtime_hours_above: 'overtime hours',
  parts_over_estimate_percent: '% over',
  total_over_estimate_percent: '% over',
  price_below_price_book: '% below',
  invoice_total_above: 'amount',
};

/**
 * The rows of approval rules, as a job type or the organization's defaults edit them: which exception, its
 * threshold, who decides, and how many hours they have before it is overdue.
 */
export const ApprovalRuleRows = ({
  rules,
  inputProps,
  onAdd,
  onRemove,
}: {
  rules: Rule[];
  inputProps: (index: number, field: Field) => GetInputPropsReturnType;
  onAdd: (rule: Rule) => void;
  onRemove: (index: number) => void;
}) => (
  <>
    {rules.length === 0 && (
      <Text size="sm" c="dimmed">
        No rules: nothing waits for an approval.
      </Text>
    )}
    {rules.map((r, i) => (
      // biome-ignore lint/suspicious/noArrayIndexKey: rows of a form are identified by position
      <Group key={`${r.code}-${i}`} align="flex-start">
        <Select
          label={`Rule ${i + 1}`}
          w={240}
          data={APPROVAL_RULE_CODES.map((c) => ({ value: c, label: RULE_LABEL[c] ?? c }))}
          allowDeselect={false}
          {...inputProps(i, 'code')}
        />
        <TextInput
          label={`Threshold, rule ${i + 1}`}
          description={THRESHOLD_UNITS[r.code] ?? 'no threshold'}
          w={130}
          {...inputProps(i, 'threshold')}
          value={r.threshold ?? ''}
        />
        <Select
          label={`Approver, rule ${i + 1}`}
          w={140}
          data={(['approver', 'owner', 'billing'] as const).map((role) => ({
            value: role,
            label: ROLE_WORDS[role],
          }))}
          allowDeselect={false}
          {...inputProps(i, 'approverRole')}
        />
        <NumberInput
          label={`Hours to decide, rule ${i + 1}`}
          w={150}
          min={1}
          {...inputProps(i, 'slaHours')}
        />
        <Button variant="subtle" color="red" mt={24} onClick={() => onRemove(i)}>
          Remove
        </Button>
      </Group>
    ))}
    <Group>
      <Button
        variant="light"
        onClick={() =>
          onAdd({ code: 'discount_above_percent', threshold: '10', approverRole: 'approver', slaHours: 24 })
        }
      >
        Add rule
      </Button>
    </Group>
  </>
);
