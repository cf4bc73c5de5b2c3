import { randomUUID } from 'node:crypto';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smtpMailer } from '../../src/adapters/email/mailer';
import { startWorkers } from '../../src/worker/handlers';
import { as, createTestApp, signIn, type TestApp } from '../support/app';
import { testDrivers } from '../support/databases';
import { makeOrganization, type OrgFixture, PASSWORD, requirements } from '../support/factories';
import { freePort } from '../support/processes';

type Received = { from: string; to: string[]; raw: string };

describe.each(testDrivers())('approval e-mail through a real SMTP listener on %s', (driver) => {
  const inbox: Received[] = [];
  let smtp: SMTPServer;
  let t: TestApp;
  let org: OrgFixture;

  beforeAll(async () => {
    const port = await freePort();
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        let raw = '';
        stream.on('data', (c: Buffer) => {
          raw += c.toString();
        });
        stream.on('end', () => {
          inbox.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(port, '127.0.0.1', resolve));
    t = await createTestApp(driver, {
      mailer: smtpMailer(`smtp://127.0.0.1:${port}`, 'Closeout <closeout@test.invalid>'),
    });
    org = await makeOrganization(t.deps, 'mail');
    await startWorkers(t.boss, t.deps, t.app.log, t.onWorker);
  });
  afterAll(async () => {
    await t?.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  it('e-mails the approvers when a closeout needs approval', async () => {
    const owner = await signIn(t.app, org.users.owner.email, PASSWORD);
    const tech = await signIn(t.app, org.users.technician.email, PASSWORD);
    const jt = await t.app.inject({
      method: 'POST',
      url: '/api/v1/job-types',
      headers: as(owner, true),
      payload: {
        code: 'MAILED',
        name: 'Mailed',
        trade: 'plumbing',
        defaultDurationMinutes: 60,
        billingMode: 'fixed',
        closeoutRequirements: requirements({ partNumbers: true }),
        approvalRules: [
          { code: 'invoice_total_above', threshold: '100', approverRole: 'approver', slaHours: 24 },
        ],
      },
    });
    await t.database.raw.query('UPDATE jobs SET job_type_id = $1 WHERE id = $2', [jt.json().id, org.jobId]);
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/jobs/${org.jobId}/closeouts`,
      headers: as(tech, true),
      payload: {
        submissionId: randomUUID(),
        workPerformed: { checklist: [], notes: '' },
        parts: [{ description: 'Pump', quantity: '1', unitPrice: '480.00' }],
        deviceTime: '2026-11-18T10:00:00.000Z',
      },
    });
    expect(res.json().job.billingStatus).toBe('needs_approval');
    const deadline = Date.now() + 20_000;
    while (inbox.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const jobs = await t.database.raw.query(
      `SELECT name, state, output FROM pgboss.job UNION ALL SELECT name, state, output FROM pgboss.archive`,
    );
    expect(inbox, JSON.stringify(jobs.rows)).toHaveLength(1);
    const [mail] = inbox;
    expect(mail?.to).toEqual([org.users.approver.email]);
    expect(mail?.from).toBe('closeout@test.invalid');
    expect(mail?.raw).toMatch(/Subject: J-\d+ needs approval: Total 480/);
  });

  it("sends a business's message under the business's name, from the configured address", async () => {
    await t.deps.mailer.send({
      to: ['customer@example.test'],
      subject: 'Invoice INV-2026-00001',
      text: 'Hello',
      fromName: 'Brightwater Heating & Plumbing',
    });
    await expect.poll(() => inbox.find((m) => m.raw.includes('INV-2026-00001'))).toBeTruthy();
    const mail = inbox.find((m) => m.raw.includes('INV-2026-00001'));
    expect(mail?.from).toBe('closeout@test.invalid');
    expect(mail?.raw).toMatch(/^From: "Brightwater Heating & Plumbing" <closeout@test\.invalid>$/m);
  });
});
