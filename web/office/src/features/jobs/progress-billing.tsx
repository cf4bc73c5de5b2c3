import { Button, Group, Progress, SimpleGrid, Stack, Table, Text, TextInput } from '@mantine/core';
import Decimal from 'decimal.js';
import type { z } from 'zod';
import { BillProgressBody, type JobProgress } from '../../../../../src/contracts/progress';
import { progressStepAmount } from '../../../../../src/core/progress-billing';
import { api } from '../../shared/api';
import { useContractForm } from '../../shared/form';
import { money } from '../../shared/format';
import { AppLink } from '../../shared/links';
import { Loaded } from '../../shared/loaded';
import { useApi, useInvalidate } from '../../shared/query';
import { StatusBadge } from '../../shared/status';

type ProgressT = z.infer<typeof JobProgress>;
type Values = { percent: string; milestone: string };

const StepForm = ({ jobId, p, onBilled }: { jobId: string; p: ProgressT; onBilled: (m: string) => void }) => {
  const { form, submit, busy, errorAlert } = useContractForm({
    schema: BillProgressBody,
    initialValues: { percent: '', milestone: '' } as Values,
    toBody: (v: Values) => ({ percent: v.percent.trim(), milestone: v.milestone.trim() || null }),
  });
  // Priced in the browser by the same core function the server bills with.
  const amount = progressStepAmount(p, form.values.percent.trim().replace(',', '.'));
  return (
    <form
      noValidate
      aria-label="Bill a step"
      onSubmit={submit(async (body) => {
        const r = await api<{ number: string | null; status: string }>(
          'POST',
          `/api/v1/jobs/${jobId}/progress-invoices`,
          body,
        );
        form.reset();
        onBilled(
          r.number
            ? `${r.number} issued for ${body.percent} % complete`
            : `The step to ${body.percent} % waits in the billing queue to be issued`,
        );
      })}
    >
      <Stack gap="xs">
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            label="Complete so far (%)"
            description={`More than the ${p.percentBilled} % billed, below 100`}
            inputMode="decimal"
            {...form.getInputProps('percent')}
          />
          <TextInput
            label="Milestone"
            description="Shown on the invoice, e.g. Rough-in done"
            {...form.getInputProps('milestone')}
          />
        </SimpleGrid>
        <Text size="sm" aria-live="polite">
          {amount
            ? `This invoice: ${money(amount.gross, p.currency)}, tax included${
                new Decimal(amount.retained).gt(0)
                  ? `, after ${money(amount.retained, p.currency)} held back as retainage`
                  : ''
              }; ${money(new Decimal(p.remaining).minus(amount.gross).toFixed(p.decimals), p.currency)} remains for the final invoice.`
            : 'Enter how far the work is to see what the invoice asks.'}
        </Text>
        {errorAlert}
        <Group>
          <Button type="submit" loading={busy}>
            Bill this step
          </Button>
        </Group>
      </Stack>
    </form>
  );
};

/**
 * A fixed-price job billed in steps as the work advances: the contract, what was billed and what remains as
 * a bar, each step with its invoice, and the next step with its amount shown live before it is billed.
 */
export const ProgressBilling = ({
  jobId,
  canManage,
  onBilled,
}: {
  jobId: string;
  canManage: boolean;
  onBilled: (message: string) => void;
}) => {
  const progress = useApi(['jobs', jobId, 'progress'], () =>
    api<ProgressT>('GET', `/api/v1/jobs/${jobId}/progress`),
  );
  const invalidate = useInvalidate();
  return (
    <Loaded resource={progress} what="the progress billing">
      {(p) => {
        if (!p.applies) return null;
        const contract = new Decimal(p.contract);
        const share = contract.gt(0) ? new Decimal(p.billed).div(contract).times(100).toNumber() : 0;
        return (
          <Stack gap="sm" aria-label="Progress billing" component="section">
            <Text fw={600}>Progress billing</Text>
            <SimpleGrid cols={{ base: 1, sm: 3 }}>
              <div>
                <Text size="xs" c="dimmed">
                  Contract value
                </Text>
                <Text fw={600}>{money(p.contract, p.currency)}</Text>
              </div>
              <div>
                <Text size="xs" c="dimmed">
                  Billed so far
                </Text>
                <Text fw={600}>{money(p.billed, p.currency)}</Text>
              </div>
              <div>
                <Text size="xs" c="dimmed">
                  Remaining
                </Text>
                <Text fw={600}>{money(p.remaining, p.currency)}</Text>
              </div>
            </SimpleGrid>
            {p.retainagePercent && (
              <Text size="sm">
                {`Retainage: ${p.retainagePercent} % of each step is held back until the work is complete. ${money(
                  p.retained,
                  p.currency,
                )} held so far; the final invoice releases it.`}
              </Text>
            )}
            <Progress.Root size="lg" aria-label={`Billed ${Math.round(share)} % of the contract`}>
              <Progress.Section value={Math.min(100, share)} color="teal">
                <Progress.Label>{Math.round(share)} %</Progress.Label>
              </Progress.Section>
            </Progress.Root>
            {p.steps.length > 0 && (
              <Table.ScrollContainer minWidth={p.retainagePercent ? 560 : 460}>
                <Table aria-label="Steps billed">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Step</Table.Th>
                      <Table.Th>Complete</Table.Th>
                      <Table.Th>Invoice</Table.Th>
                      <Table.Th ta="right">Amount</Table.Th>
                      {p.retainagePercent && <Table.Th ta="right">Held back</Table.Th>}
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {p.steps.map((s) => (
                      <Table.Tr key={s.invoiceId}>
                        <Table.Td>{s.milestone ?? 'Progress'}</Table.Td>
                        <Table.Td>{s.percent} %</Table.Td>
                        <Table.Td>
                          <Group gap="xs">
                            <AppLink to="/invoices/$invoiceId" params={{ invoiceId: s.invoiceId }}>
                              {s.number ?? 'Draft'}
                            </AppLink>
                            <StatusBadge kind="invoice" status={s.status} />
                          </Group>
                        </Table.Td>
                        <Table.Td ta="right">{money(s.amount, p.currency)}</Table.Td>
                        {p.retainagePercent && (
                          <Table.Td ta="right">{money(s.retained, p.currency)}</Table.Td>
                        )}
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
            {p.open && canManage ? (
              <StepForm
                jobId={jobId}
                p={p}
                onBilled={(m) => {
                  progress.reload();
                  invalidate('invoices');
                  onBilled(m);
                }}
              />
            ) : (
              p.closedReason && (
                <Text size="sm" c="dimmed">
                  {p.closedReason}.
                </Text>
              )
            )}
          </Stack>
        );
      }}
    </Loaded>
  );
};
