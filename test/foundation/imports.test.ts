import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainQueues } from '../../src/worker/handlers';
import { as, createTestApp, problemOf, type Session, type TestApp } from '../support/app';
import { testDrivers } from '../support/databases';
import { makeOrganization, type OrgFixture, sessionsOf } from '../support/factories';
import { multipart, xlsxOf } from '../support/files';

type Batch = {
  id: string;
  status: string;
  preset: string | null;
  mapping: Record<string, string>;
  columns: string[];
  encoding: string;
  totalRows: number | null;
  doneRows: number;
  summary: Record<string, number>;
  failure: string | null;
};
type Row = {
  line: number;
  label: string;
  action: string;
  problems: { field: string; column: string | null; message: string }[];
  matchLabel: string | null;
  recordId: string | null;
};

/** A Jobber client export, as Jobber names its columns (with a byte-order mark, as Excel saves it). */
const JOBBER_HEADER =
  'J-ID,Display Name,Company Name,First Name,Last Name,E-mails,Main Phone #s,Mobile Phone #s,Billing Street 1,Billing Street 2,Billing City,Billing State,Billing Zip code,Billing Country,Service Property Name,Service Street 1,Service City,Service Zip code';
const jobberRows = [
  '101,Rachel Byrne,,Rachel,Byrne,rachel@byrne.test,01 555 0101,087 555 0101,12 Oak Lane,,Dublin,,D06 F2X3,Ireland,,,,',
  '102,Harbour Bakery,Harbour Bakery,Liam,Walsh,"accounts@harbour.test, liam@harbour.test",01 555 0102,,4 Quay Street,Unit 2,Cork,,T12 AB34,IE,Bakery kitchen,5 Quay Street,Cork,T12 AB35',
  // No street and no postcode: refused, naming both columns.
  '103,Conor Kelly,,Conor,Kelly,conor@kelly.test,,,,,Galway,,,Ireland,,,,',
  // A broken e-mail address: refused.
  '104,Niamh Doyle,,Niamh,Doyle,niamh-at-doyle,,,3 Elm Road,,Limerick,,V94 X1Y2,Ireland,,,,',
  // The fixture's customer, typed again: a duplicate, skipped.
  '105,Customer of imp,,,,,,,1 Main Street,,Dublin,,D01 X1Y1,Ireland,,,,',
  // Formula injection in a name: refused.
  '106,"=HYPERLINK(""http://evil.test"",""Click"")",,,,,,,9 Pine Road,,Dublin,,D08 Y2Z3,Ireland,,,,',
  // The first row again, lower down: refused as the same customer.
  '107,Rachel Byrne (old),,,,rachel@byrne.test,,,12 Oak Lane,,Dublin,,D06 F2X3,Ireland,,,,',
  // An ID repeated inside the file.
  '101,Rachel B,,,,rb@byrne.test,,,14 Oak Lane,,Dublin,,D06 F2X4,Ireland,,,,',
];
const jobberCsv = (rows = jobberRows) =>
  Buffer.from(`\uFEFF${[JOBBER_HEADER, ...rows].join('\r\n')}\r\n`, 'utf8');

describe.each(testDrivers())('importing customers and the price book on %s', (driver) => {
  let t: TestApp;
  let org: OrgFixture;
  let owner: Session;
  let dispatcher: Session;
  beforeAll(async () => {
    t = await createTestApp(driver);
    org = await makeOrganization(t.deps, 'imp');
    const s = await sessionsOf(t.app, org);
    owner = s.owner;
    dispatcher = s.dispatcher;
  });
  afterAll(() => t?.close());

  const upload = async (kind: string, name: string, bytes: Buffer, who: Session = owner) => {
    const body = multipart({ kind }, { name, type: 'text/csv', bytes });
    return t.app.inject({
      method: 'POST',
      url: '/api/v1/imports',
      payload: body.payload,
      headers: { ...as(who, true), ...body.headers },
    });
  };
  const get = async (id: string) =>
    (await t.app.inject({ method: 'GET', url: `/api/v1/imports/${id}`, headers: as(owner) })).json() as Batch;
  const post = (id: string, step: string, payload?: object) =>
    t.app.inject({
      method: 'POST',
      url: `/api/v1/imports/${id}/${step}`,
      headers: as(owner, true),
      ...(payload ? { payload } : {}),
    });
  const rowsOf = async (id: string, action?: string) =>
    (
      await t.app.inject({
        method: 'GET',
        url: `/api/v1/imports/${id}/rows${action ? `?action=${action}` : ''}`,
        headers: as(owner),
      })
    ).json() as { rows: Row[]; total: number };
  const settle = async (id: string) => {
    await drainQueues(t.boss, t.deps, ['import.check', 'import.run', 'import.undo']);
    return get(id);
  };
  const customersNamed = async (names: string[]) =>
    (
      await t.deps.database.raw.query<{
        name: string;
        email: string | null;
        contacts: unknown;
        sites: number;
      }>(
        `SELECT c.name, c.email, c.contacts, (SELECT count(*)::int FROM sites s WHERE s.organization_id = c.organization_id AND s.customer_id = c.id) AS sites
           FROM customers c WHERE c.organization_id = $1 AND c.name = ANY($2) ORDER BY c.name`,
        [org.organizationId, names],
      )
    ).rows;

  let firstImport = '';

  it('recognizes a Jobber export, reports every row in a dry run that writes nothing, then imports the good ones', async () => {
    const res = await upload('customers', 'clients.csv', jobberCsv());
    expect(res.statusCode).toBe(201);
    const batch = res.json() as Batch;
    expect(batch).toMatchObject({ status: 'uploaded', preset: 'jobber', encoding: 'utf-8' });
    expect(batch.columns[0]).toBe('J-ID');
    expect(batch.mapping).toMatchObject({
      sourceId: 'J-ID',
      name: 'Display Name',
      email: 'E-mails',
      line1: 'Billing Street 1',
      postalCode: 'Billing Zip code',
      siteLine1: 'Service Street 1',
    });

    expect((await post(batch.id, 'check')).statusCode).toBe(202);
    const checked = await settle(batch.id);
    expect(checked.status).toBe('checked');
    expect(checked.totalRows).toBe(8);
    expect(checked.summary).toEqual({ create: 2, update: 0, unchanged: 0, duplicate: 1, refused: 5 });
    // The dry run created nothing.
    expect(await customersNamed(['Rachel Byrne', 'Harbour Bakery'])).toEqual([]);

    const refused = (await rowsOf(batch.id, 'refused')).rows;
    const byLine = new Map(refused.map((r) => [r.line, r]));
    expect(byLine.get(4)?.problems).toEqual(
      expect.arrayContaining([
        { field: 'line1', column: 'Billing Street 1', message: 'is empty' },
        { field: 'postalCode', column: 'Billing Zip code', message: 'is empty' },
      ]),
    );
    expect(byLine.get(5)?.problems).toEqual([
      { field: 'email', column: 'E-mails', message: 'is not an e-mail address' },
    ]);
    expect(byLine.get(7)?.problems[0]).toMatchObject({ field: 'name', column: 'Display Name' });
    expect(byLine.get(7)?.problems[0]?.message).toContain('formula');
    expect(byLine.get(8)?.problems[0]?.message).toBe('is the same customer as line 2');
    expect(byLine.get(9)?.problems[0]?.message).toBe('is the same customer as line 2');
    const [dup] = (await rowsOf(batch.id, 'duplicate')).rows;
    expect(dup).toMatchObject({ line: 6, matchLabel: 'Customer of imp' });

    expect((await post(batch.id, 'run')).statusCode).toBe(202);
    const imported = await settle(batch.id);
    expect(imported.status).toBe('imported');
    expect(imported.summary).toMatchObject({ create: 2, duplicate: 1, refused: 5 });
    const made = await customersNamed(['Rachel Byrne', 'Harbour Bakery']);
    expect(made).toEqual([
      {
        name: 'Harbour Bakery',
        email: 'accounts@harbour.test',
        contacts: [
          {
            name: 'Liam Walsh',
            email: 'accounts@harbour.test',
            phone: '01 555 0102',
            role: null,
            invoiceRecipient: true,
          },
        ],
        sites: 1,
      },
      {
        name: 'Rachel Byrne',
        email: 'rachel@byrne.test',
        contacts: [
          {
            name: 'Rachel Byrne',
            email: 'rachel@byrne.test',
            phone: '087 555 0101',
            role: 'mobile',
            invoiceRecipient: false,
          },
        ],
        sites: 1,
      },
    ]);
    // Each made customer's history starts with the import.
    const { rows: events } = await t.deps.database.raw.query<{ action: string; reason: string }>(
      `SELECT e.action, e.reason FROM audit_events e JOIN customers c ON c.organization_id = e.organization_id AND c.id = e.aggregate_id
        WHERE e.organization_id = $1 AND c.name = 'Harbour Bakery'`,
      [org.organizationId],
    );
    expect(events).toEqual([{ action: 'customer.created', reason: 'imported from a file' }]);
    firstImport = batch.id;
  });

  it('creates nothing twice when the same file comes again', async () => {
    const again = (await upload('customers', 'clients.csv', jobberCsv())).json() as Batch;
    await post(again.id, 'check');
    const checked = await settle(again.id);
    expect(checked.summary).toMatchObject({ create: 0, unchanged: 2, duplicate: 1, refused: 5 });
    await post(again.id, 'run');
    expect((await settle(again.id)).status).toBe('imported');
    expect(await customersNamed(['Rachel Byrne', 'Harbour Bakery'])).toHaveLength(2);
  });

  it('reads a Windows-1252 file with semicolons, and refuses a mapping naming columns the file lacks', async () => {
    // Excel's "CSV" on a European Windows: cp1252 bytes, semicolons.
    const text =
      'Name;Email;Address;Town;Eircode\nSeán Ó Briain;sean@obriain.test;7 Strand Road;Bray;A98 K2P3\n';
    const bytes = Buffer.from([...text].map((c) => (c === 'á' ? 0xe1 : c === 'Ó' ? 0xd3 : c.charCodeAt(0))));
    const batch = (await upload('customers', 'export.csv', bytes)).json() as Batch;
    expect(batch).toMatchObject({ encoding: 'windows-1252', preset: null });
    expect(batch.mapping).toEqual({
      name: 'Name',
      email: 'Email',
      line1: 'Address',
      city: 'Town',
      postalCode: 'Eircode',
    });
    const bad = await post(batch.id, 'check', { mapping: { name: 'Name', taxId: 'VAT' } });
    expect(bad.statusCode).toBe(400);
    expect(problemOf(bad).errors).toEqual([
      { field: 'body.mapping.taxId', message: 'the file has no column “VAT”' },
    ]);
    await post(batch.id, 'check');
    await settle(batch.id);
    await post(batch.id, 'run');
    expect((await settle(batch.id)).summary).toMatchObject({ create: 1 });
    expect((await customersNamed(['Seán Ó Briain']))[0]?.email).toBe('sean@obriain.test');
  });

  it('imports a Xero items workbook: new items made, a changed price updated, and the undo puts it back', async () => {
    const workbook = xlsxOf([
      ['*ItemCode', 'ItemName', 'SalesDescription', 'SalesUnitPrice', 'SalesAccount', 'SalesTaxRate'],
      ['FLUE-KIT', 'Flue extension kit', 'Flue kit', 48.5, '200', '23%'],
      ['LAB-STD', 'Labour', 'Labour per hour', 72, '200', '23%'],
      ['FILTER-X', 'Filter', 'Bad price', 'twelve', '200', '23%'],
    ]);
    const res = await upload('price_book', 'items.xlsx', workbook);
    expect(res.statusCode).toBe(201);
    const batch = res.json() as Batch;
    expect(batch).toMatchObject({ preset: 'xero', encoding: 'xlsx' });
    await post(batch.id, 'check');
    const checked = await settle(batch.id);
    expect(checked.summary).toMatchObject({ create: 1, update: 1, refused: 1 });
    const [refused] = (await rowsOf(batch.id, 'refused')).rows;
    expect(refused?.problems).toEqual([
      { field: 'unitPrice', column: 'SalesUnitPrice', message: 'is not a price: “twelve”' },
    ]);
    const priceOf = async (sku: string) =>
      (
        await t.deps.database.raw.query<{ unit_price: string; active: boolean }>(
          'SELECT unit_price, active FROM catalog_items WHERE organization_id = $1 AND sku = $2',
          [org.organizationId, sku],
        )
      ).rows[0];
    const labourBefore = await priceOf('LAB-STD');
    await post(batch.id, 'run');
    expect((await settle(batch.id)).status).toBe('imported');
    expect(Number((await priceOf('LAB-STD'))?.unit_price)).toBe(72);
    expect(Number((await priceOf('FLUE-KIT'))?.unit_price)).toBe(48.5);

    expect((await post(batch.id, 'undo')).statusCode).toBe(202);
    const undone = await settle(batch.id);
    expect(undone.status).toBe('undone');
    expect(await priceOf('FLUE-KIT')).toBeUndefined();
    expect((await priceOf('LAB-STD'))?.unit_price).toBe(labourBefore?.unit_price);
  });

  it('undoes a customer import, keeping a customer a job now uses', async () => {
    const [rachel] = (
      await t.deps.database.raw.query<{ id: string }>(
        `SELECT id FROM customers WHERE organization_id = $1 AND name = 'Rachel Byrne'`,
        [org.organizationId],
      )
    ).rows;
    const [site] = (
      await t.deps.database.raw.query<{ id: string }>(
        'SELECT id FROM sites WHERE organization_id = $1 AND customer_id = $2',
        [org.organizationId, rachel?.id],
      )
    ).rows;
    const booked = await t.app.inject({
      method: 'POST',
      url: '/api/v1/jobs',
      headers: as(dispatcher, true),
      payload: {
        customerId: rachel?.id,
        siteId: site?.id,
        jobTypeId: org.jobTypeId,
        scope: 'Boiler service',
        windowStart: '2027-01-12T09:00:00Z',
        windowEnd: '2027-01-12T11:00:00Z',
      },
    });
    expect(booked.statusCode).toBe(201);
    await post(firstImport, 'undo');
    const undone = await settle(firstImport);
    expect(undone.status).toBe('undone');
    expect(undone.summary).toMatchObject({ undone: 1, kept: 1 });
    expect((await customersNamed(['Rachel Byrne', 'Harbour Bakery'])).map((c) => c.name)).toEqual([
      'Rachel Byrne',
    ]);
    const kept = (await rowsOf(firstImport, 'create')).rows.find((r) => r.line === 2);
    expect(kept?.problems[0]?.message).toContain('kept');
    // Undone once is undone: a second undo is refused.
    expect((await post(firstImport, 'undo')).statusCode).toBe(409);
  });

  it('resumes an import a crash stopped half-way without making anything twice', async () => {
    const rows = Array.from(
      { length: 650 },
      (_, i) =>
        `${5000 + i},Resume Customer ${i},,,,resume${i}@example.test,,,${i} Long Road,,Dublin,,D0${i % 9} R${i},IE,,,,`,
    );
    const batch = (await upload('customers', 'big.csv', jobberCsv(rows))).json() as Batch;
    await post(batch.id, 'check');
    expect((await settle(batch.id)).summary).toMatchObject({ create: 650 });
    // The database refuses one customer of the second chunk, once: the worker dies mid-import.
    await t.deps.database.raw.query(`
      CREATE FUNCTION crash_once() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.name = 'Resume Customer 600' THEN RAISE EXCEPTION 'worker lost'; END IF;
        RETURN NEW;
      END $$`);
    await t.deps.database.raw.query(
      'CREATE TRIGGER crash_once BEFORE INSERT ON customers FOR EACH ROW EXECUTE FUNCTION crash_once()',
    );
    await post(batch.id, 'run');
    await drainQueues(t.boss, t.deps, ['import.run']).catch(() => undefined);
    const stopped = await get(batch.id);
    expect(stopped.status).toBe('importing');
    expect(stopped.doneRows).toBe(500);
    await t.deps.database.raw.query('DROP TRIGGER crash_once ON customers');
    await t.deps.database.raw.query('DROP FUNCTION crash_once()');
    // The queue's retry (here: the job queued again) carries on from row 501.
    await t.deps.queue.enqueue(t.deps.database, {
      name: 'import.run',
      data: { organizationId: org.organizationId, batchId: batch.id },
    });
    const done = await settle(batch.id);
    expect(done.status).toBe('imported');
    const { rows: count } = await t.deps.database.raw.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM customers WHERE organization_id = $1 AND name LIKE 'Resume Customer %'`,
      [org.organizationId],
    );
    expect(count[0]?.n).toBe(650);
  });

  it('refuses a file over the row limit before writing anything, and keeps imports to billing and the owner', async () => {
    const rows = Array.from({ length: 100_001 }, (_, i) => `${i},Row ${i},,,,,,,1 Road,,Town,,P${i},IE,,,,`);
    const batch = (await upload('customers', 'huge.csv', jobberCsv(rows))).json() as Batch;
    await post(batch.id, 'check');
    const failed = await settle(batch.id);
    expect(failed.status).toBe('failed');
    expect(failed.failure).toBe('The file has more than 100,000 rows; split it into smaller files');
    expect((await rowsOf(batch.id)).total).toBe(0);

    expect((await upload('customers', 'c.csv', jobberCsv(), dispatcher)).statusCode).toBe(403);
    const b = multipart({}, { name: 'c.csv', type: 'text/csv', bytes: jobberCsv() });
    const noKind = await t.app.inject({
      method: 'POST',
      url: '/api/v1/imports',
      payload: b.payload,
      headers: { ...as(owner, true), ...b.headers },
    });
    expect(noKind.statusCode).toBe(400);
    expect(problemOf(noKind).errors[0]?.field).toBe('kind');
    const empty = await upload('customers', 'empty.csv', Buffer.alloc(0));
    expect(empty.statusCode).toBe(400);
    expect(problemOf(empty).errors[0]).toEqual({ field: 'file', message: 'the file is empty' });
  });

  it('books the open and scheduled jobs of a Jobber export for customers imported before, once, and undoes them while untouched', async () => {
    const clients = (
      await upload(
        'customers',
        'clients-for-jobs.csv',
        jobberCsv([
          '301,Aoife Ryan,,Aoife,Ryan,aoife@ryan.test,,,7 Birch Avenue,,Dublin,,D04 K2P1,Ireland,,,,',
          '302,Kilkenny Dental,Kilkenny Dental,,,,,,2 High Street,,Kilkenny,,R95 X2Y3,Ireland,Surgery,9 Rose Hill,Kilkenny,R95 X2Y4',
        ]),
      )
    ).json() as Batch;
    await post(clients.id, 'check');
    await settle(clients.id);
    await post(clients.id, 'run');
    expect((await settle(clients.id)).summary).toMatchObject({ create: 2 });
    const types = (await t.app.inject({ method: 'GET', url: '/api/v1/job-types', headers: as(owner) })).json()
      .items as { id: string; name: string }[];
    const type = types[0]?.name ?? '';
    const header = 'Job #,Client name,Service street,Title,Date,Start time,End time,Assigned to,Job Type';
    const rows = [
      `J-900,Aoife Ryan,,Annual boiler service,14/12/2026,9:00 AM,11:00 AM,technician of imp,${type}`,
      `J-901,Kilkenny Dental,9 Rose Hill,Replace the steriliser valve,15/12/2026,,,second technician of imp,${type}`,
      // Not a customer of theirs.
      `J-902,Nobody Known,,Fix a leak,16/12/2026,10:00,11:00,,${type}`,
      // No such day.
      `J-903,Aoife Ryan,,Bleed the radiators,31/02/2026,10:00,11:00,,${type}`,
      // Not a technician here.
      `J-904,Aoife Ryan,,Check the heat pump,17/12/2026,14:00,15:00,Someone Else,${type}`,
      // The first job again.
      `J-900,Aoife Ryan,,Annual boiler service,14/12/2026,9:00 AM,11:00 AM,,${type}`,
      // A formula for the work.
      `J-906,Aoife Ryan,,"=cmd|' /C calc'!A0",18/12/2026,10:00,11:00,,${type}`,
    ];
    const jobsCsv = Buffer.from(`${[header, ...rows].join('\n')}\n`, 'utf8');
    const batch = (await upload('jobs', 'visits.csv', jobsCsv)).json() as Batch;
    expect(batch).toMatchObject({ status: 'uploaded', preset: 'jobber' });
    expect(batch.mapping).toMatchObject({
      sourceId: 'Job #',
      customer: 'Client name',
      scope: 'Title',
      date: 'Date',
      startTime: 'Start time',
      technicians: 'Assigned to',
      jobType: 'Job Type',
    });
    await post(batch.id, 'check');
    const checked = await settle(batch.id);
    expect(checked.summary).toEqual({ create: 2, update: 0, unchanged: 0, duplicate: 0, refused: 5 });
    expect((await rowsOf(batch.id, 'create')).rows.map((r) => r.label)).toEqual([
      'J-900 · Aoife Ryan, 14 December 2026, 09:00 to 11:00',
      'J-901 · Kilkenny Dental, 15 December 2026, any time that day',
    ]);
    const byLine = new Map((await rowsOf(batch.id, 'refused')).rows.map((r) => [r.line, r.problems]));
    expect(byLine.get(4)?.[0]).toMatchObject({ field: 'customer', column: 'Client name' });
    expect(byLine.get(4)?.[0]?.message).toContain('is no customer of yours: “Nobody Known”');
    expect(byLine.get(5)).toEqual([
      { field: 'date', column: 'Date', message: 'is not a date: “31/02/2026”' },
    ]);
    expect(byLine.get(6)).toEqual([
      {
        field: 'technicians',
        column: 'Assigned to',
        message: '“Someone Else” is not an active technician here',
      },
    ]);
    expect(byLine.get(7)?.[0]?.message).toBe('is the same job as line 2');
    expect(byLine.get(8)?.[0]).toMatchObject({ field: 'scope', column: 'Title' });
    const booked = async () =>
      (
        await t.deps.database.raw.query<{
          id: string;
          scope: string;
          window_start: Date;
          window_end: Date;
          status: string;
          crew: string[];
          messages: number;
        }>(
          `SELECT j.id, j.scope, j.window_start, j.window_end, j.status,
                  ARRAY(SELECT u.name FROM job_assignments a JOIN users u ON u.id = a.user_id
                         WHERE a.organization_id = j.organization_id AND a.job_id = j.id) AS crew,
                  (SELECT count(*)::int FROM customer_messages m WHERE m.organization_id = j.organization_id AND m.job_id = j.id) AS messages
             FROM jobs j WHERE j.organization_id = $1 AND j.scope = ANY($2) ORDER BY j.window_start`,
          [org.organizationId, ['Annual boiler service', 'Replace the steriliser valve']],
        )
      ).rows;
    expect(await booked()).toEqual([]);

    await post(batch.id, 'run');
    expect((await settle(batch.id)).summary).toMatchObject({ create: 2, refused: 5 });
    const made = await booked();
    // Dublin keeps UTC in December: the times read as the file wrote them; a day with no time is the working day.
    expect(
      made.map((j) => [
        j.scope,
        j.window_start.toISOString(),
        j.window_end.toISOString(),
        j.status,
        j.crew,
        j.messages,
      ]),
    ).toEqual([
      [
        'Annual boiler service',
        '2026-12-14T09:00:00.000Z',
        '2026-12-14T11:00:00.000Z',
        'scheduled',
        ['technician of imp'],
        0,
      ],
      [
        'Replace the steriliser valve',
        '2026-12-15T08:00:00.000Z',
        '2026-12-15T17:00:00.000Z',
        'scheduled',
        ['second technician of imp'],
        0,
      ],
    ]);
    const { rows: events } = await t.deps.database.raw.query<{
      action: string;
      reason: string;
      import_id: string;
    }>(
      `SELECT action, reason, changes::jsonb->>'importId' AS import_id FROM audit_events
        WHERE organization_id = $1 AND aggregate_type = 'job' AND aggregate_id = $2`,
      [org.organizationId, made[0]?.id],
    );
    expect(events).toEqual([{ action: 'job.created', reason: 'imported from a file', import_id: batch.id }]);

    // The same file again books nothing twice.
    const again = (await upload('jobs', 'visits.csv', jobsCsv)).json() as Batch;
    await post(again.id, 'check');
    expect((await settle(again.id)).summary).toMatchObject({ create: 0, unchanged: 2, refused: 5 });

    // One of them has moved on (the office moved it): the undo keeps it and removes the other.
    const moved = await t.app.inject({
      method: 'POST',
      url: `/api/v1/jobs/${made[1]?.id}/reschedule`,
      headers: as(dispatcher, true),
      payload: {
        windowStart: '2026-12-16T08:00:00.000Z',
        windowEnd: '2026-12-16T12:00:00.000Z',
        reason: 'customer asked',
      },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect((await post(batch.id, 'undo')).statusCode).toBe(202);
    const undone = await settle(batch.id);
    expect(undone.status).toBe('undone');
    expect(undone.summary).toMatchObject({ undone: 1, kept: 1 });
    expect((await booked()).map((j) => j.scope)).toEqual(['Replace the steriliser valve']);
  });
});
