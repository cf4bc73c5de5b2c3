import { Loader, Title } from '@mantine/core';
import {
  createHashHistory,
  createRootRouteWithContext,
  createRoute,
  createRouter,
  redirect,
} from '@tanstack/react-router';
import { lazy, Suspense } from 'react';
import { AccountPage } from '../features/account/account-page';
import { ApprovalsPage } from '../features/approvals/approvals-page';
import { BankPage } from '../features/bank/bank-page';
import { BillingPage } from '../features/billing/billing-page';
import { BoardPage } from '../features/board/board-page';
import { CustomerPage } from '../features/customers/customer-page';
import { CustomersPage } from '../features/customers/customers-page';
import { ExceptionsPage } from '../features/exceptions/exceptions-page';
import { ImportPage } from '../features/imports/import-page';
import { JobPage } from '../features/jobs/job-page';
import { SetupPage } from '../features/setup/setup-page';
import { TodayPage } from '../features/today/today-page';
import type { MeT } from '../shared/api';
import { useMe } from '../shared/me';
import { MyJobs } from './my-jobs';
import { NAV } from './nav';
import { Shell } from './shell';

// The charts (recharts) and the settings editors load when first opened: the board opens without them.
const MetricsPage = lazy(() =>
  import('../features/metrics/metrics-page').then((m) => ({ default: m.MetricsPage })),
);
// The invoices screen draws its aging chart with recharts, loaded with it.
const InvoicesPage = lazy(() =>
  import('../features/invoices/invoices-page').then((m) => ({ default: m.InvoicesPage })),
);
// Recurring services preview their visits with the core's RRULE engine, loaded with them.
const InvoicePage = lazy(() =>
  import('../features/invoices/invoice-page').then((m) => ({ default: m.InvoicePage })),
);
const SeriesListPage = lazy(() =>
  import('../features/series/series-list-page').then((m) => ({ default: m.SeriesListPage })),
);
const SeriesPage = lazy(() =>
  import('../features/series/series-page').then((m) => ({ default: m.SeriesPage })),
);
// Quotes price with the core calculator in the browser, loaded with them.
const QuotesPage = lazy(() =>
  import('../features/quotes/quotes-page').then((m) => ({ default: m.QuotesPage })),
);
const QuotePage = lazy(() => import('../features/quotes/quote-page').then((m) => ({ default: m.QuotePage })));
const QuoteEditor = lazy(() =>
  import('../features/quotes/quote-editor').then((m) => ({ default: m.QuoteEditor })),
);
const SettingsPage = lazy(() =>
  import('../features/settings/settings-page').then((m) => ({ default: m.SettingsPage })),
);

export type RouterContext = { me: MeT };

const rootRoute = createRootRouteWithContext<RouterContext>()({
  component: Shell,
  notFoundComponent: () => <MyJobs me={useMe()} />,
});

/** A screen needs its permission; without it the person lands on their own jobs, as the navigation shows. */
const requires =
  (permission: string) =>
  ({ context }: { context: RouterContext }) => {
    if (!context.me.permissions.includes(permission)) throw redirect({ to: '/jobs' });
  };

const indexRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/',
  beforeLoad: ({ context }) => {
    const first = NAV.find((n) => context.me.permissions.includes(n.permission));
    throw redirect({ to: first?.to ?? '/jobs' });
  },
});

const myJobsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/jobs',
  component: () => <MyJobs me={useMe()} />,
});

const jobRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/jobs/$jobId',
  component: function JobRoute() {
    const { jobId } = jobRoute.useParams();
    return <JobPage me={useMe()} id={jobId} />;
  },
});

const accountRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/account',
  component: AccountPage,
});

const boardRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/board',
  beforeLoad: requires('board.read'),
  component: () => <BoardPage me={useMe()} />,
});

const todayRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/today',
  beforeLoad: requires('board.read'),
  component: () => <TodayPage me={useMe()} />,
});

const exceptionsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/exceptions',
  beforeLoad: requires('board.read'),
  component: () => <ExceptionsPage me={useMe()} />,
});

const approvalsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/approvals',
  beforeLoad: requires('approvals.read'),
  component: () => <ApprovalsPage me={useMe()} />,
});

const approvalRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/approvals/$approvalId',
  beforeLoad: requires('approvals.read'),
  component: function ApprovalRoute() {
    const { approvalId } = approvalRoute.useParams();
    return <ApprovalsPage me={useMe()} focus={approvalId} />;
  },
});

const billingRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/billing',
  beforeLoad: requires('invoices.manage'),
  component: () => <BillingPage me={useMe()} />,
});

const bankRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/bank',
  beforeLoad: requires('payments.record'),
  component: () => <BankPage me={useMe()} />,
});

const customersRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/customers',
  beforeLoad: requires('customers.read'),
  component: CustomersPage,
});

const customerRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/customers/$customerId',
  beforeLoad: requires('customers.read'),
  component: function CustomerRoute() {
    const { customerId } = customerRoute.useParams();
    return <CustomerPage key={customerId} id={customerId} />;
  },
});

const seriesListRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/series',
  beforeLoad: requires('series.read'),
  component: () => (
    <Suspense fallback={<Loader aria-label="Loading the recurring services" />}>
      <SeriesListPage />
    </Suspense>
  ),
});

const seriesRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/series/$seriesId',
  beforeLoad: requires('series.read'),
  component: function SeriesRoute() {
    const { seriesId } = seriesRoute.useParams();
    return (
      <Suspense fallback={<Loader aria-label="Loading the recurring service" />}>
        <SeriesPage id={seriesId} />
      </Suspense>
    );
  },
});

const quotesRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/quotes',
  beforeLoad: requires('quotes.read'),
  component: () => (
    <Suspense fallback={<Loader aria-label="Loading the quotes" />}>
      <QuotesPage />
    </Suspense>
  ),
});

const newQuoteRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/quotes/new',
  beforeLoad: requires('quotes.manage'),
  component: () => (
    <Suspense fallback={<Loader aria-label="Loading the quote editor" />}>
      <Title order={1} mb="md">
        New quote
      </Title>
      <QuoteEditor quote={null} />
    </Suspense>
  ),
});

const quoteRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/quotes/$quoteId',
  beforeLoad: requires('quotes.read'),
  component: function QuoteRoute() {
    const { quoteId } = quoteRoute.useParams();
    return (
      <Suspense fallback={<Loader aria-label="Loading the quote" />}>
        <QuotePage key={quoteId} id={quoteId} />
      </Suspense>
    );
  },
});

const invoicesRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/invoices',
  beforeLoad: requires('invoices.read'),
  component: () => (
    <Suspense fallback={<Loader aria-label="Loading the invoices" />}>
      <InvoicesPage />
    </Suspense>
  ),
});

const invoiceRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/invoices/$invoiceId',
  beforeLoad: requires('invoices.read'),
  component: function InvoiceRoute() {
    const { invoiceId } = invoiceRoute.useParams();
    return (
      <Suspense fallback={<Loader aria-label="Loading the invoice" />}>
        <InvoicePage key={invoiceId} id={invoiceId} />
      </Suspense>
    );
  },
});

const metricsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/metrics',
  beforeLoad: requires('metrics.read'),
  component: () => (
    <>
      <h1>Cash-flow metrics</h1>
      <Suspense fallback={<Loader aria-label="Loading the metrics" />}>
        <MetricsPage me={useMe()} />
      </Suspense>
    </>
  ),
});

const settingsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/settings',
  beforeLoad: requires('organization.manage'),
  component: () => (
    <Suspense fallback={<Loader aria-label="Loading the settings" />}>
      <SettingsPage me={useMe()} />
    </Suspense>
  ),
});

const setupRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/setup',
  beforeLoad: requires('organization.manage'),
  component: SetupPage,
});

const importRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/import',
  beforeLoad: requires('imports.manage'),
  component: ImportPage,
});

const routeTree = rootRoute.addChildren([
  setupRoute,
  importRoute,
  indexRoute,
  myJobsRoute,
  jobRoute,
  accountRoute,
  boardRoute,
  todayRoute,
  exceptionsRoute,
  approvalsRoute,
  approvalRoute,
  billingRoute,
  bankRoute,
  customersRoute,
  customerRoute,
  seriesListRoute,
  seriesRoute,
  quotesRoute,
  newQuoteRoute,
  quoteRoute,
  invoicesRoute,
  invoiceRoute,
  metricsRoute,
  settingsRoute,
]);

/** Hash history: the server serves one page, and #/jobs/<id> links survive a reload and a bookmark. */
export const createAppRouter = (me: MeT) =>
  createRouter({ routeTree, history: createHashHistory(), context: { me }, defaultPreload: false });

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof createAppRouter>;
  }
}
