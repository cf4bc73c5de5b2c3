import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { z } from 'zod';
import type { QuotePipeline } from '../../../../../src/contracts/quotes';
import { money } from '../../shared/format';
import { statusText } from '../../shared/status';

type Stage = z.infer<typeof QuotePipeline>['stages'][number];

/** The money at each stage of the pipeline, in one currency: the bars people compare at a glance. */
const PipelineChart = ({ stages, currency }: { stages: Stage[]; currency: string }) => {
  const data = stages.map((s) => ({
    stage: statusText('quote', s.status),
    amount: Number(s.values.find((v) => v.currency === currency)?.amount ?? '0'),
    count: s.count,
  }));
  return (
    <figure aria-label={`Quoted value in ${currency} by stage`} style={{ margin: 0 }}>
      <ResponsiveContainer width="100%" height={200}>
        <BarChart data={data}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="stage" tick={{ fontSize: 11 }} interval={0} height={40} />
          <YAxis tickFormatter={(v: number) => money(String(v), currency).replace(/\.00$/, '')} width={80} />
          <Tooltip formatter={(v) => money(String(v), currency)} />
          <Bar isAnimationActive={false} dataKey="amount" name="Value" fill="#1c7ed6" />
        </BarChart>
      </ResponsiveContainer>
      <figcaption className="sr-only">
        {data.map((d) => `${d.stage}: ${d.count} quotes, ${money(String(d.amount), currency)}`).join('; ')}
      </figcaption>
    </figure>
  );
};

export default PipelineChart;
