import { Alert, Anchor, Button, Card, Group, List, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { lazy, Suspense, useState } from 'react';
import type { z } from 'zod';
import type { Receivables } from '../../../../../src/contracts/invoices';
import { LANGUAGE_NAMES } from '../../../../../src/core/i18n';
import { addDays, businessDate, zonedToInstant } from '../../../../../src/core/time';
import { api, type CustomerDetailT, type InvoiceT, type JobT, listAll } from '../../shared/api';
import { EditModal } from '../../shared/edit-modal';
import { Feedback } from '../../shared/feedback';
import { dateTime, dayText, money } from '../../shared/format';
import { AppLink } from '../../shared/links';
import { Loaded } from '../../shared/loaded';
import { useCan, useMe } from '../../shared/me';
import { useApi, useApiPages, useInvalidate } from '../../shared/query';
import { ResourceTable } from '../../shared/resource-table';
import { StatusBadge } from '../../shared/status';
import { zoneWords } from '../../shared/time-zones';
import { RecordPayment } from '../invoices/record-payment';
import { AccountingLinks } from './accounting-links';
import { CustomerCredit } from './customer-credit';
import { CustomerForm } from './customer-form';
import { CustomerRemindersCard } from './customer-reminders';
import { CustomerStatement } from './customer-statement';
import { MergeCustomer } from './merge-customer';
import { PortalLinkCard } from './portal-link';
import { SiteForm } from './site-form';

// Recurring services bring the RRULE engine for their preview: loaded when the section shows.
const CustomerSeries = lazy(() =>
  import('../series/customer-series').then((m) => ({ default: m.CustomerSeries })),
);

type Site = CustomerDetailT['sites'][number];
const addressLine = (a: Site['address']) =>
  [a.line1, a.line2, a.city, a.region, a.postalCode, a.country].filter(Boolean).join(', ');

const Balance = ({ customerId }: { customerId: string }) => {
  const owed = useApi(['invoices', 'receivables', customerId], () =>
    api<z.infer<typeof Receivables>>('GET', `/api/v1/receivables?customerId=${customerId}`),
  );
  return (
    <Loaded resource={owed} what="the balance">
      {(r) =>
        r.currencies.length === 0 ? (
          <Text size="sm" c="dimmed">
            Owes nothing.
          </Text>
        ) : (
          <Stack gap={4}>
            {r.currencies.map((c) => (
              <Text key={c.currency} size="sm">
                Owes <strong>{money(c.outstanding, c.currency)}</strong> on {c.count}{' '}
                {c.count === 1 ? 'invoice' : 'invoices'}
                {Number(c.overdue) > 0 ? (
                  <Text span c="red.8" fw={600}>
                    {' '}
                    · {money(c.overdue, c.currency)} overdue
                  </Text>
                ) : null}
              </Text>
            ))}
          </Stack>
        )
      }
    </Loaded>
  );
};

/** One customer: who and where, what they owe, their invoices and their jobs, and the edits to make. */
export const CustomerPage = ({ id }: { id: string }) => {
  const me = useMe();
  const can = useCan();
  const phone = useMediaQuery('(max-width: 48em)') ?? false;
  const invalidate = useInvalidate();
  const tz = me.organization.timeZone;
  const [editing, setEditing] = useState(false);
  const [merging, setMerging] = useState(false);
  const [site, setSite] = useState<Site | 'new' | null>(null);
  const [paying, setPaying] = useState<InvoiceT | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const customer = useApi(['customers', id], () => api<CustomerDetailT>('GET', `/api/v1/customers/${id}`));
  const invoices = useApiPages<InvoiceT>(
    ['invoices', 'customer', id],
    `/api/v1/invoices?customerId=${id}`,
    20,
  );
  const since = zonedToInstant(addDays(businessDate(new Date(), tz), -180), '00:00', tz).toISOString();
  const jobs = useApi(['jobs', 'customer', id], () =>
    listAll<JobT>(`/api/v1/jobs?customerId=${id}&from=${since}`),
  );
  const manage = can('customers.manage');
  const saved = (msg: string) => {
    invalidate('customers');
    setNotice(msg);
  };
  return (
    <Loaded resource={customer} what="the customer">
      {(c) => (
        <Stack>
          <Group justify="space-between" align="flex-end">
            <Stack gap={0}>
              <AppLink to="/customers" size="sm">
                ← All customers
              </AppLink>
              <Title order={1}>{c.name}</Title>
            </Stack>
            <Group>
              {can('customers.merge') && !c.mergedIntoId && (
                <Button variant="default" onClick={() => setMerging(true)}>
                  Merge a duplicate…
                </Button>
              )}
              {manage && !c.mergedIntoId && <Button onClick={() => setEditing(true)}>Edit customer</Button>}
            </Group>
          </Group>
          <Feedback notice={notice} onCloseNotice={() => setNotice(null)} />
          {c.mergedIntoId && (
            <Alert color="gray" title="Merged into another customer">
              This record was a duplicate: its jobs, sites and invoices are now with{' '}
              <AppLink to="/customers/$customerId" params={{ customerId: c.mergedIntoId }}>
                the customer it was merged into
              </AppLink>
              .
            </Alert>
          )}
          {merging && <MergeCustomer customer={c} opened onClose={() => setMerging(false)} onDone={saved} />}
          <SimpleGrid cols={{ base: 1, md: can('invoices.read') ? 3 : 2 }}>
            <Card withBorder component="section" aria-label="Contact">
              <Title order={2} size="h5">
                Contact
              </Title>
              <Text size="sm">
                {c.phone ? <Anchor href={`tel:${c.phone}`}>{c.phone}</Anchor> : 'No phone'}
              </Text>
              <Text size="sm">{c.email ?? 'No invoice e-mail'}</Text>
              <Text size="sm" c="dimmed">
                {addressLine(c.billingAddress)}
              </Text>
              {c.contacts.length > 0 && (
                <List size="sm" mt="xs">
                  {c.contacts.map((p) => (
                    <List.Item key={`${p.name}-${p.email ?? ''}`}>
                      {p.name}
                      {p.role ? `, ${p.role}` : ''}
                      {p.phone ? ` · ${p.phone}` : ''}
                      {p.email ? ` · ${p.email}` : ''}
                      {p.invoiceRecipient ? ' · receives invoices' : ''}
                    </List.Item>
                  ))}
                </List>
              )}
            </Card>
            <Card withBorder component="section" aria-label="Billing">
              <Title order={2} size="h5">
                Billing
              </Title>
              <Text size="sm">
                Pays within {c.paymentTermsDays ?? me.organization.paymentTermsDays} days
                {c.paymentTermsDays === null ? ' (the usual terms)' : ''}
              </Text>
              <Text size="sm">Invoiced in {c.invoiceCurrency ?? me.organization.currency}</Text>
              {c.timeZone && <Text size="sm">Lives in the {zoneWords(c.timeZone)} time zone</Text>}
              {c.language && <Text size="sm">Reads documents in {LANGUAGE_NAMES[c.language]}</Text>}
              {c.taxId && <Text size="sm">Tax ID {c.taxId}</Text>}
              {c.taxExempt && (
                <Text size="sm">Tax exempt{c.taxExemptionReason ? `: ${c.taxExemptionReason}` : ''}</Text>
              )}
              {c.peppolEndpoint && <Text size="sm">Receives e-invoices on Peppol</Text>}
            </Card>
            {can('invoices.read') && (
              <Card withBorder component="section" aria-label="Balance">
                <Title order={2} size="h5">
                  Balance
                </Title>
                <Balance customerId={c.id} />
              </Card>
            )}
          </SimpleGrid>

          {can('invoices.read') && (
            <AccountingLinks customer={c} canLink={manage && !c.mergedIntoId} onLinked={saved} />
          )}
          {can('invoices.read') && !c.mergedIntoId && (
            <CustomerRemindersCard
              key={c.version}
              customer={c}
              canEdit={can('invoices.manage')}
              onSaved={saved}
            />
          )}
          {can('invoices.read') && (
            <CustomerCredit customerId={c.id} timeZone={tz} canApply={can('payments.record')} />
          )}
          {can('invoices.read') && !c.mergedIntoId && (
            <CustomerStatement customerId={c.id} canSend={can('invoices.manage')} phone={phone} />
          )}
          {can('invoices.manage') && !c.mergedIntoId && <PortalLinkCard customerId={c.id} name={c.name} />}
          <Card withBorder component="section" aria-label="Sites">
            <Group justify="space-between">
              <Title order={2} size="h4">
                Sites
              </Title>
              {manage && (
                <Button size="xs" variant="light" onClick={() => setSite('new')}>
                  Add a site
                </Button>
              )}
            </Group>
            <ResourceTable
              label="Sites"
              rows={c.sites}
              rowKey={(s) => s.id}
              phone={phone}
              empty="No sites."
              columns={[
                { header: 'Site', cell: (s) => s.name },
                { header: 'Address', cell: (s) => addressLine(s.address) },
                { header: 'Access notes', wide: true, cell: (s) => s.accessNotes ?? '–' },
                {
                  header: 'Actions',
                  cell: (s) =>
                    manage ? (
                      <Button
                        size="xs"
                        variant="default"
                        onClick={() => setSite(s)}
                        aria-label={`Edit site ${s.name}`}
                      >
                        Edit
                      </Button>
                    ) : null,
                },
              ]}
            />
          </Card>

          {can('series.read') && (
            <Suspense fallback={null}>
              <CustomerSeries customerId={c.id} />
            </Suspense>
          )}

          {can('invoices.read') && (
            <Card withBorder component="section" aria-label="Invoices">
              <Title order={2} size="h4">
                Invoices
              </Title>
              {invoices.rows && (
                <ResourceTable
                  label="Customer invoices"
                  rows={invoices.rows}
                  rowKey={(i) => i.id}
                  phone={phone}
                  empty="No invoices yet."
                  columns={[
                    {
                      header: 'Invoice',
                      cell: (i) => (
                        <AppLink to="/invoices/$invoiceId" params={{ invoiceId: i.id }}>
                          {i.number ?? 'Draft'}
                        </AppLink>
                      ),
                    },
                    { header: 'Issued', cell: (i) => dayText(i.issueDate) },
                    { header: 'Due', wide: true, cell: (i) => dayText(i.dueDate) },
                    { header: 'Total', numeric: true, cell: (i) => money(i.totals?.payable, i.currency) },
                    {
                      header: 'Owed',
                      numeric: true,
                      cell: (i) =>
                        Number(i.outstanding) > 0 && i.number ? money(i.outstanding, i.currency) : '–',
                    },
                    { header: 'Status', cell: (i) => <StatusBadge kind="invoice" status={i.status} /> },
                    {
                      header: 'Actions',
                      cell: (i) =>
                        i.kind !== 'credit_note' &&
                        ['issued', 'sent', 'partially_paid'].includes(i.status) &&
                        Number(i.outstanding) > 0 &&
                        can('payments.record') ? (
                          <Button
                            size="xs"
                            onClick={() => setPaying(i)}
                            aria-label={`Record a payment on ${i.number}`}
                          >
                            Record payment
                          </Button>
                        ) : null,
                    },
                  ]}
                />
              )}
              {invoices.hasMore && (
                <Button variant="default" size="xs" mt="xs" onClick={invoices.loadMore}>
                  Show more
                </Button>
              )}
            </Card>
          )}

          <Card withBorder component="section" aria-label="Jobs">
            <Title order={2} size="h4">
              Jobs in the last six months and ahead
            </Title>
            <Loaded resource={jobs} what="the jobs">
              {(js) => (
                <ResourceTable
                  label="Customer jobs"
                  rows={[...js].reverse()}
                  rowKey={(j) => j.id}
                  phone={phone}
                  empty="No jobs in the last six months."
                  columns={[
                    {
                      header: 'Job',
                      cell: (j) => (
                        <AppLink to="/jobs/$jobId" params={{ jobId: j.id }}>
                          {j.number}
                        </AppLink>
                      ),
                    },
                    { header: 'When', cell: (j) => dateTime(j.windowStart, tz) },
                    { header: 'What', wide: true, cell: (j) => j.jobTypeName },
                    { header: 'Work', cell: (j) => <StatusBadge kind="work" status={j.status} /> },
                    {
                      header: 'Billing',
                      wide: true,
                      cell: (j) => <StatusBadge kind="billing" status={j.billingStatus} />,
                    },
                  ]}
                />
              )}
            </Loaded>
          </Card>

          <EditModal opened={editing} onClose={() => setEditing(false)} title={`Edit ${c.name}`} size="xl">
            <CustomerForm
              customer={c}
              submitLabel="Save customer"
              onCancel={() => setEditing(false)}
              onSubmit={async (body) => {
                await api('PATCH', `/api/v1/customers/${c.id}`, body);
                setEditing(false);
                saved(`${String(body.name ?? c.name)} saved`);
              }}
            />
          </EditModal>
          <EditModal
            opened={site !== null}
            onClose={() => setSite(null)}
            title={site === 'new' || site === null ? 'Add a site' : `Edit ${site.name}`}
          >
            {site !== null && (
              <SiteForm
                key={site === 'new' ? 'new' : site.id}
                site={site === 'new' ? null : site}
                country={c.billingAddress.country}
                onCancel={() => setSite(null)}
                onSubmit={async (body) => {
                  if (site === 'new') await api('POST', `/api/v1/customers/${c.id}/sites`, body);
                  else await api('PATCH', `/api/v1/customers/${c.id}/sites/${site.id}`, body);
                  setSite(null);
                  saved(`Site ${String(body.name)} saved`);
                }}
              />
            )}
          </EditModal>
          {paying && (
            <RecordPayment
              key={paying.id}
              invoice={paying}
              opened
              onClose={() => setPaying(null)}
              onDone={setNotice}
            />
          )}
        </Stack>
      )}
    </Loaded>
  );
};
