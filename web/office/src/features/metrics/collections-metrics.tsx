import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { z } from 'zod';
import type { Metrics } from '../../../../../src/contracts/metrics';
import { money } from '../../shared/format';
import { pct, Tile } from './metric-tile';

/** The metrics page's collections: paid on time, CEI, reminders per invoice paid, DSO by month, who pays latest. */
export const CollectionsMetrics = ({ data }: { data: z.infer<typeof Metrics> }) => (
  <>
    <h2>Collections</h2>
    <div className="tiles">
      <Tile
        label="Paid on time"
        value={pct(data.collections.onTimeShare)}
        hint={`${data.collections.paidOnTime} of ${data.collections.invoicesPaid} invoices paid in the period${
          data.collections.averageDaysLate === null
            ? ''
            : ` · ${data.collections.averageDaysLate} days late on average`
        }`}
      />
      <Tile
        label="Collection effectiveness"
        value={pct(data.collections.effectiveness)}
        hint={`of what could be collected (${data.currency} ${data.collections.openingReceivables} owed at the start, plus sales), what came in`}
      />
      <Tile
        label="Reminders per invoice paid"
        value={
          data.collections.remindersPerPaidInvoice === null
            ? '–'
            : String(data.collections.remindersPerPaidInvoice)
        }
        hint={`${data.collections.remindersSent} reminders sent in the period`}
      />
      <Tile
        label="Written off"
        value={money(data.collections.writeOffs.amount, data.currency)}
        hint={`${data.collections.writeOffs.count} ${data.collections.writeOffs.count === 1 ? 'balance' : 'balances'} given up in the period${
          data.collections.writeOffs.shareOfSales === null
            ? ''
            : ` · ${pct(data.collections.writeOffs.shareOfSales)} of sales`
        }${data.collections.writeOffs.pending > 0 ? ` · ${data.collections.writeOffs.pending} waiting for approval` : ''}`}
      />
    </div>
    <div className="charts">
      <figure>
        <figcaption>Days sales outstanding, month by month</figcaption>
        <ResponsiveContainer width="100%" height={220}>
          <LineChart data={data.collections.dsoTrend}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="month" />
            <YAxis allowDecimals={false} />
            <Tooltip />
            <Line
              isAnimationActive={false}
              type="monotone"
              dataKey="days"
              name="DSO (days)"
              stroke="#c2410c"
              connectNulls
            />
          </LineChart>
        </ResponsiveContainer>
      </figure>
      <figure>
        <figcaption>Who paid latest in the period</figcaption>
        {data.collections.lateCustomers.length === 0 ? (
          <p className="empty">Every invoice paid in the period was paid on time.</p>
        ) : (
          <table aria-label="Who paid latest">
            <thead>
              <tr>
                <th>Customer</th>
                <th>Invoices paid</th>
                <th>Days late on average</th>
                <th>At worst</th>
              </tr>
            </thead>
            <tbody>
              {data.collections.lateCustomers.map((c) => (
                <tr key={c.customerId}>
                  <td>
                    <a href={`#/customers/${c.customerId}`}>{c.name}</a>
                  </td>
                  <td>{c.invoicesPaid}</td>
                  <td>{c.averageDaysLate}</td>
                  <td>{c.worstDaysLate}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </figure>
    </div>
  </>
);
