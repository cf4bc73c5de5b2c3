import { useEffect, useState } from 'react';
import { addDays, businessDate, zonedToInstant } from '../../../../src/core/time';
import { ApiError, api, type JobT, type MeT } from '../shared/api';
import { statusText } from '../shared/status';

/** Jobs from two days ago to four ahead: a technician's own, or everyone's. */
export const MyJobs = ({ me }: { me: MeT }) => {
  const [jobs, setJobs] = useState<JobT[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const tz = me.organization.timeZone;
  useEffect(() => {
    const today = businessDate(new Date(), tz);
    const from = zonedToInstant(addDays(today, -2), '00:00', tz).toISOString();
    const to = zonedToInstant(addDays(today, 5), '00:00', tz).toISOString();
    api<{ items: JobT[] }>('GET', `/api/v1/jobs?limit=200&from=${from}&to=${to}`).then(
      (page) => setJobs(page.items),
      (err: unknown) => setError(err instanceof ApiError ? err.message : 'Could not load jobs'),
    );
  }, [tz]);
  if (error) return <p role="alert">{error}</p>;
  if (!jobs) return <p>Loading jobs…</p>;
  const fmt = new Intl.DateTimeFormat('en-IE', {
    timeZone: tz,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
  });
  const exceptions = jobs.filter((j) => j.status === 'completed' && j.billingStatus !== 'invoice_ready');
  return (
    <section>
      <h1>Jobs around today</h1>
      <div className="tiles">
        <div className="tile">
          <span>{jobs.length}</span> jobs from two days ago to four ahead
        </div>
        <div className="tile">
          <span>{jobs.filter((j) => j.status === 'completed').length}</span> completed
        </div>
        <div className="tile">
          <span>{jobs.filter((j) => j.status === 'in_progress').length}</span> in progress
        </div>
        <div className={`tile ${exceptions.length ? 'warn' : ''}`}>
          <span>{exceptions.length}</span> completed but not invoice-ready
        </div>
      </div>
      <table>
        <thead>
          <tr>
            <th>Job</th>
            <th>When</th>
            <th>Customer</th>
            <th>Crew</th>
            <th>Status</th>
            <th>Billing</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((j) => (
            <tr key={j.id}>
              <td>{j.number}</td>
              <td>{fmt.format(new Date(j.windowStart))}</td>
              <td>
                {j.customerName}
                <small>{j.jobTypeName}</small>
              </td>
              <td>{j.crew.map((c) => c.name).join(', ')}</td>
              <td>
                <span className={`pill ${j.status}`}>{statusText('work', j.status)}</span>
              </td>
              <td>
                <span className={`pill ${j.billingStatus}`}>{statusText('billing', j.billingStatus)}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
};
