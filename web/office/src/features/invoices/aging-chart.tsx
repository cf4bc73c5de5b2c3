import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { z } from 'zod';
import type { Receivables } from '../../../../../src/contracts/invoices';
import { money } from '../../shared/format';

type Currency = z.infer<typeof Receivables>['currencies'][number];

export const BUCKET_LABEL: Record<Currency['buckets'][number]['bucket'], string> = {
  current: 'Not yet due',
  days_1_30: '1–30 days late',
  days_31_60: '31–60 days late',
  days_61_90: '61–90 days late',
  days_over_90: 'Over 90 days late',
};

const SHORT: Record<Currency['buckets'][number]['bucket'], string> = {
  current: 'Not due',
  days_1_30: '1–30',
  days_31_60: '31–60',
  days_61_90: '61–90',
  days_over_90: '90+',
};

/** What is owed in one currency, by how late it is: the bars people compare at a glance. */
const AgingChart = ({
  c,
}: {
  c: { currency: string; buckets: Pick<Currency['buckets'][number], 'bucket' | 'amount'>[] };
}) => (
  <figure aria-label={`Owed in ${c.currency} by age`}>
    <ResponsiveContainer width="100%" height={200}>
      <BarChart
        data={c.buckets.map((b) => ({
          age: SHORT[b.bucket],
          full: BUCKET_LABEL[b.bucket],
          amount: Number(b.amount),
        }))}
      >
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis
          dataKey="age"
          tick={{ fontSize: 11 }}
          interval={0}
          label={{ value: 'days late', position: 'insideBottom', offset: -2, fontSize: 11 }}
          height={40}
        />
        <YAxis tickFormatter={(v: number) => money(String(v), c.currency).replace(/\.00$/, '')} width={80} />
        <Tooltip
          formatter={(v) => money(String(v), c.currency)}
          labelFormatter={(_, p) => (p[0]?.payload as { full?: string } | undefined)?.full ?? ''}
        />
        <Bar isAnimationActive={false} dataKey="amount" name="Owed" fill="#1c7ed6" />
      </BarChart>
    </ResponsiveContainer>
    <figcaption className="sr-only">
      {c.buckets.map((b) => `${BUCKET_LABEL[b.bucket]}: ${money(b.amount, c.currency)}`).join('; ')}
    </figcaption>
  </figure>
);

export default AgingChart;
