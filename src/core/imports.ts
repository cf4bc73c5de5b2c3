import Decimal from 'decimal.js';
import { normalizeAddressKey, normalizeName, normalizeTaxId } from './tax';

/**
 * Importing what a business already has (#25): the fields Closeout reads from a spreadsheet, the column names
 * of the exports of the tools businesses leave (Jobber, Housecall Pro, QuickBooks Online, Xero), and one row
 * read into a record or a precise list of problems. Pure: the app layer decides against the database.
 */

export const IMPORT_KINDS = ['customers', 'price_book', 'jobs'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export const IMPORT_STATUSES = [
  'uploaded',
  'checking',
  'checked',
  'importing',
  'imported',
  'undoing',
  'undone',
  'failed',
] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

/** What the dry run decided for a row. `duplicate` and `unchanged` rows are skipped by the import. */
export const IMPORT_ACTIONS = ['create', 'update', 'unchanged', 'duplicate', 'refused'] as const;
export type ImportAction = (typeof IMPORT_ACTIONS)[number];

export const IMPORT_PRESETS = ['jobber', 'housecall_pro', 'quickbooks', 'xero'] as const;
export type ImportPreset = (typeof IMPORT_PRESETS)[number];

export const PRESET_WORDS: Record<ImportPreset, string> = {
  jobber: 'Jobber',
  housecall_pro: 'Housecall Pro',
  quickbooks: 'QuickBooks Online',
  xero: 'Xero',
};
export const KIND_WORDS: Record<ImportKind, { one: string; many: string }> = {
  customers: { one: 'customer', many: 'customers' },
  price_book: { one: 'price book item', many: 'price book items' },
  jobs: { one: 'booked job', many: 'booked jobs' },
};
export const STATUS_WORDS: Record<ImportStatus, string> = {
  uploaded: 'Waiting for the column check',
  checking: 'Checking every row',
  checked: 'Checked: ready to import',
  importing: 'Importing',
  imported: 'Imported',
  undoing: 'Undoing',
  undone: 'Undone',
  failed: 'Stopped',
};
export const ACTION_WORDS: Record<ImportAction, string> = {
  create: 'New',
  update: 'Changes an existing one',
  unchanged: 'Already here, unchanged',
  duplicate: 'Looks like an existing one: skipped',
  refused: 'Cannot be imported',
};

export const CUSTOMER_FIELDS = [
  'sourceId',
  'name',
  'company',
  'firstName',
  'lastName',
  'email',
  'phone',
  'mobile',
  'line1',
  'line2',
  'city',
  'region',
  'postalCode',
  'country',
  'siteName',
  'siteLine1',
  'siteLine2',
  'siteCity',
  'siteRegion',
  'sitePostalCode',
  'siteCountry',
  'accessNotes',
  'taxId',
  'paymentTermsDays',
] as const;
export type CustomerField = (typeof CUSTOMER_FIELDS)[number];

export const PRICE_BOOK_FIELDS = [
  'sku',
  'name',
  'description',
  'kind',
  'unitPrice',
  'unit',
  'taxCode',
  'glAccount',
  'active',
] as const;
export type PriceBookField = (typeof PRICE_BOOK_FIELDS)[number];

/** The open and scheduled jobs of the tool left behind: each booked again here, for the customer imported before. */
export const JOB_FIELDS = [
  'sourceId',
  'customerSourceId',
  'customer',
  'siteLine1',
  'scope',
  'jobType',
  'date',
  'startTime',
  'endTime',
  'technicians',
  'poNumber',
] as const;
export type JobField = (typeof JOB_FIELDS)[number];
export type ImportField = CustomerField | PriceBookField | JobField;

export const FIELDS_OF: Record<ImportKind, readonly ImportField[]> = {
  customers: CUSTOMER_FIELDS,
  price_book: PRICE_BOOK_FIELDS,
  jobs: JOB_FIELDS,
};

export const FIELD_WORDS: Record<ImportField, string> = {
  sourceId: 'ID in the old tool',
  name: 'Name',
  company: 'Company',
  firstName: 'First name',
  lastName: 'Last name',
  email: 'E-mail',
  phone: 'Phone',
  mobile: 'Mobile',
  line1: 'Billing street',
  line2: 'Billing street, second line',
  city: 'Billing town or city',
  region: 'Billing county or state',
  postalCode: 'Billing postcode',
  country: 'Billing country',
  siteName: 'Service address name',
  siteLine1: 'Service street',
  siteLine2: 'Service street, second line',
  siteCity: 'Service town or city',
  siteRegion: 'Service county or state',
  sitePostalCode: 'Service postcode',
  siteCountry: 'Service country',
  accessNotes: 'Access notes for the crew',
  taxId: 'VAT or tax number',
  paymentTermsDays: 'Payment terms (days)',
  sku: 'Code (SKU)',
  description: 'Description',
  kind: 'Labour, part or fee',
  unitPrice: 'Price',
  unit: 'Unit',
  taxCode: 'Tax code or rate',
  glAccount: 'Income account',
  active: 'Active',
  customerSourceId: 'Customer’s ID in the old tool',
  customer: 'Customer',
  scope: 'Work to do',
  jobType: 'Kind of work',
  date: 'Date',
  startTime: 'Start time',
  endTime: 'End time',
  technicians: 'Technicians',
  poNumber: 'Customer’s order number (PO)',
};

/** Every field of every kind (a field several kinds read, such as the old tool's ID, once). */
export const IMPORT_FIELDS = Object.keys(FIELD_WORDS) as [ImportField, ...ImportField[]];

/** Field -> the column of the file it is read from (the header as the file has it). */
export type ImportMapping = Partial<Record<ImportField, string>>;

/** The columns each tool's export names, per field (matched without case, spaces or punctuation). */
const PRESET_COLUMNS: Record<ImportKind, Record<ImportPreset, Partial<Record<ImportField, string[]>>>> = {
  customers: {
    jobber: {
      sourceId: ['J-ID'],
      name: ['Display Name'],
      company: ['Company Name'],
      firstName: ['First Name'],
      lastName: ['Last Name'],
      email: ['E-mails', 'Main E-mail'],
      phone: ['Main Phone #s', 'Work Phone #s', 'Home Phone #s'],
      mobile: ['Mobile Phone #s'],
      line1: ['Billing Street 1'],
      line2: ['Billing Street 2'],
      city: ['Billing City'],
      region: ['Billing State'],
      postalCode: ['Billing Zip code', 'Billing Zip'],
      country: ['Billing Country'],
      siteName: ['Service Property Name'],
      siteLine1: ['Service Street 1'],
      siteLine2: ['Service Street 2'],
      siteCity: ['Service City'],
      siteRegion: ['Service State'],
      sitePostalCode: ['Service Zip code', 'Service Zip'],
      siteCountry: ['Service Country'],
    },
    housecall_pro: {
      sourceId: ['Customer ID'],
      name: ['Display Name'],
      company: ['Company'],
      firstName: ['First Name'],
      lastName: ['Last Name'],
      email: ['Email'],
      phone: ['Home Number', 'Work Number'],
      mobile: ['Mobile Number'],
      line1: ['Address', 'Street'],
      line2: ['Address Line 2', 'Unit'],
      city: ['City'],
      region: ['State'],
      postalCode: ['Zip', 'Zip Code'],
      country: ['Country'],
    },
    quickbooks: {
      name: ['Customer', 'Display Name As', 'Name'],
      company: ['Company', 'Company Name'],
      firstName: ['First Name'],
      lastName: ['Last Name'],
      email: ['Email'],
      phone: ['Phone', 'Phone Numbers'],
      mobile: ['Mobile'],
      line1: ['Billing Address Line 1', 'Street Address', 'Billing Street'],
      line2: ['Billing Address Line 2'],
      city: ['Billing Address City', 'City', 'Billing City'],
      region: ['Billing Address State', 'State', 'Billing State'],
      postalCode: ['Billing Address Postal Code', 'Zip', 'Billing ZIP'],
      country: ['Billing Address Country', 'Country', 'Billing Country'],
      siteLine1: ['Shipping Address Line 1', 'Shipping Street'],
      siteCity: ['Shipping Address City', 'Shipping City'],
      siteRegion: ['Shipping Address State', 'Shipping State'],
      sitePostalCode: ['Shipping Address Postal Code', 'Shipping ZIP'],
      siteCountry: ['Shipping Address Country', 'Shipping Country'],
      taxId: ['Tax Registration Number', 'Business ID No', 'Tax Resale No'],
    },
    xero: {
      sourceId: ['AccountNumber'],
      name: ['*ContactName', 'ContactName'],
      firstName: ['FirstName'],
      lastName: ['LastName'],
      email: ['EmailAddress'],
      phone: ['PhoneNumber', 'DDINumber'],
      mobile: ['MobileNumber'],
      line1: ['POAddressLine1'],
      line2: ['POAddressLine2'],
      city: ['POCity'],
      region: ['PORegion'],
      postalCode: ['POPostalCode'],
      country: ['POCountry'],
      siteName: ['SAAttentionTo'],
      siteLine1: ['SAAddressLine1'],
      siteLine2: ['SAAddressLine2'],
      siteCity: ['SACity'],
      siteRegion: ['SARegion'],
      sitePostalCode: ['SAPostalCode'],
      siteCountry: ['SACountry'],
      taxId: ['TaxNumber'],
      paymentTermsDays: ['DueDateSalesDay'],
    },
  },
  price_book: {
    jobber: {
      name: ['Name'],
      description: ['Description'],
      kind: ['Type', 'Category'],
      unitPrice: ['Unit Price', 'Unit price'],
      taxCode: ['Taxable'],
    },
    housecall_pro: {
      sku: ['Part Number', 'SKU'],
      name: ['Name'],
      description: ['Description'],
      kind: ['Type', 'Category'],
      unitPrice: ['Price'],
      unit: ['Unit of measure', 'Unit'],
      taxCode: ['Taxable'],
    },
    quickbooks: {
      sku: ['SKU'],
      name: ['Product/Service Name', 'Product/Service', 'Name'],
      description: ['Sales Description', 'Description'],
      kind: ['Type', 'Item type'],
      unitPrice: ['Sales Price / Rate', 'Sales price/rate', 'Price'],
      taxCode: ['Sales Tax Code', 'Taxable'],
      glAccount: ['Income Account'],
      active: ['Active'],
    },
    xero: {
      sku: ['*ItemCode', 'ItemCode'],
      name: ['ItemName'],
      description: ['SalesDescription'],
      unitPrice: ['SalesUnitPrice'],
      taxCode: ['SalesTaxRate'],
      glAccount: ['SalesAccount'],
    },
  },
  // The accounting tools keep no jobs: their presets name none, and plain headers are tried.
  jobs: {
    jobber: {
      sourceId: ['Job #', 'Job number'],
      customer: ['Client name', 'Client'],
      siteLine1: ['Service street', 'Property street', 'Service address'],
      scope: ['Title', 'Job title', 'Visit title', 'Instructions'],
      date: ['Date', 'Visit date', 'Start date', 'Scheduled start'],
      startTime: ['Start time'],
      endTime: ['End time'],
      technicians: ['Assigned to', 'Team', 'Assigned team members'],
    },
    housecall_pro: {
      sourceId: ['Job #', 'Job number', 'Job ID'],
      customerSourceId: ['Customer ID'],
      customer: ['Customer', 'Customer name'],
      siteLine1: ['Service address', 'Address', 'Street'],
      scope: ['Description', 'Job description'],
      jobType: ['Job type', 'Job Type'],
      date: ['Scheduled start date', 'Schedule date', 'Scheduled date'],
      startTime: ['Scheduled start time', 'Arrival window start'],
      endTime: ['Scheduled end time', 'Arrival window end'],
      technicians: ['Assigned employees', 'Employees', 'Employee'],
    },
    quickbooks: {},
    xero: {},
  },
};

/** Plain English headers any spreadsheet may have, tried for fields the preset does not name. */
const COMMON_COLUMNS: Record<ImportKind, Partial<Record<ImportField, string[]>>> = {
  customers: {
    sourceId: ['ID', 'Customer ID', 'Client ID'],
    name: ['Name', 'Customer', 'Customer Name', 'Client', 'Client Name', 'Display Name'],
    company: ['Company', 'Company Name', 'Business'],
    firstName: ['First Name', 'Given Name'],
    lastName: ['Last Name', 'Surname', 'Family Name'],
    email: ['Email', 'E-mail', 'Email Address', 'E-mail address'],
    phone: ['Phone', 'Telephone', 'Phone Number', 'Landline'],
    mobile: ['Mobile', 'Cell', 'Mobile Number', 'Mobile Phone', 'Cell Phone'],
    line1: ['Address', 'Street', 'Address Line 1', 'Street Address', 'Address 1', 'Billing Address'],
    line2: ['Address Line 2', 'Address 2', 'Street 2'],
    city: ['City', 'Town', 'Town/City'],
    region: ['State', 'County', 'Region', 'Province'],
    postalCode: ['Postcode', 'Postal Code', 'Zip', 'Zip Code', 'Eircode', 'Post Code'],
    country: ['Country'],
    siteName: ['Site', 'Site Name', 'Property', 'Property Name'],
    siteLine1: ['Service Address', 'Site Address', 'Service Street', 'Property Address'],
    siteCity: ['Service City', 'Site City'],
    sitePostalCode: ['Service Postcode', 'Site Postcode', 'Service Zip'],
    accessNotes: ['Access Notes', 'Gate Code', 'Access'],
    taxId: ['VAT Number', 'VAT', 'Tax ID', 'Tax Number', 'VAT No'],
    paymentTermsDays: ['Payment Terms', 'Terms', 'Payment Terms (days)'],
  },
  price_book: {
    sku: ['SKU', 'Code', 'Item Code', 'Part Number', 'Part No'],
    name: ['Name', 'Item', 'Item Name', 'Product', 'Service'],
    description: ['Description'],
    kind: ['Type', 'Kind', 'Category'],
    unitPrice: ['Price', 'Unit Price', 'Rate', 'Sales Price'],
    unit: ['Unit', 'UOM', 'Unit of Measure'],
    taxCode: ['Tax', 'Tax Code', 'VAT', 'VAT Rate', 'Tax Rate'],
    glAccount: ['Account', 'Income Account', 'GL Account'],
    active: ['Active', 'Status'],
  },
  jobs: {
    sourceId: ['Job', 'Job ID', 'Job #', 'Job Number', 'Reference'],
    customerSourceId: ['Customer ID', 'Client ID', 'Account Number'],
    customer: ['Customer', 'Customer Name', 'Client', 'Client Name', 'Name'],
    siteLine1: ['Site', 'Site Address', 'Service Address', 'Address', 'Street'],
    scope: ['Scope', 'Work', 'Description', 'Title', 'Job Title', 'Job Description', 'Instructions'],
    jobType: ['Job Type', 'Type', 'Kind of Work', 'Service Type'],
    date: ['Date', 'Visit Date', 'Start Date', 'Scheduled', 'Scheduled Date', 'Start'],
    startTime: ['Start Time', 'From', 'Time'],
    endTime: ['End Time', 'To', 'Until'],
    technicians: ['Technician', 'Technicians', 'Crew', 'Assigned To', 'Team', 'Employee'],
    poNumber: ['PO', 'PO Number', 'Purchase Order', 'Order Number'],
  },
};

export const headerKey = (h: string) => h.toLowerCase().replace(/[^a-z0-9]+/g, '');

const mappingFrom = (
  columns: readonly string[],
  names: Partial<Record<ImportField, string[]>>,
  taken: Set<string>,
): ImportMapping => {
  const byKey = new Map(columns.map((c) => [headerKey(c), c]));
  const mapping: ImportMapping = {};
  for (const [field, aliases] of Object.entries(names) as [ImportField, string[]][]) {
    for (const alias of aliases) {
      const column = byKey.get(headerKey(alias));
      if (column !== undefined && !taken.has(column)) {
        mapping[field] = column;
        taken.add(column);
        break;
      }
    }
  }
  return mapping;
};

/**
 * The tool a file's header looks like (the preset naming most of its columns, at least three) and the
 * mapping it implies, completed from plain English headers. Every column is used at most once.
 */
export const guessMapping = (
  kind: ImportKind,
  columns: readonly string[],
): { preset: ImportPreset | null; mapping: ImportMapping } => {
  let best: { preset: ImportPreset; hits: number } | null = null;
  for (const preset of IMPORT_PRESETS) {
    const hits = Object.keys(mappingFrom(columns, PRESET_COLUMNS[kind][preset], new Set())).length;
    if (hits >= 3 && (!best || hits > best.hits)) best = { preset, hits };
  }
  return { preset: best?.preset ?? null, mapping: mappingFor(kind, columns, best?.preset ?? null) };
};

export const mappingFor = (
  kind: ImportKind,
  columns: readonly string[],
  preset: ImportPreset | null,
): ImportMapping => {
  const taken = new Set<string>();
  const fromPreset = preset ? mappingFrom(columns, PRESET_COLUMNS[kind][preset], taken) : {};
  const common = Object.fromEntries(
    Object.entries(COMMON_COLUMNS[kind]).filter(([f]) => !(f in fromPreset)),
  ) as Partial<Record<ImportField, string[]>>;
  return { ...fromPreset, ...mappingFrom(columns, common, taken) };
};

/** Fields a mapping must name before the check can run (any one of a group). */
export const REQUIRED_FIELDS: Record<ImportKind, ImportField[][]> = {
  customers: [['name', 'company', 'firstName', 'lastName']],
  price_book: [['name', 'sku'], ['unitPrice']],
  jobs: [['customer', 'customerSourceId'], ['scope'], ['date']],
};

export const mappingProblems = (kind: ImportKind, columns: readonly string[], mapping: ImportMapping) => {
  const problems: { field: string; message: string }[] = [];
  const known = new Set(columns);
  const fields = new Set<string>(FIELDS_OF[kind]);
  const used = new Map<string, string>();
  for (const [field, column] of Object.entries(mapping)) {
    if (!fields.has(field)) problems.push({ field: `mapping.${field}`, message: `not a ${kind} field` });
    else if (column !== undefined && !known.has(column))
      problems.push({ field: `mapping.${field}`, message: `the file has no column “${column}”` });
    else if (column !== undefined && used.has(column))
      problems.push({
        field: `mapping.${field}`,
        message: `“${column}” is already read as ${used.get(column)}`,
      });
    if (column !== undefined) used.set(column, field);
  }
  for (const group of REQUIRED_FIELDS[kind]) {
    if (!group.some((f) => mapping[f] !== undefined))
      problems.push({
        field: `mapping.${group[0]}`,
        message: `choose the column for ${group.map((f) => FIELD_WORDS[f]).join(' or ')}`,
      });
  }
  return problems;
};

export type RowProblem = { field: string; message: string };

/**
 * A cell that a spreadsheet would run as a formula when the data is exported again (=HYPERLINK(…), @SUM,
 * +cmd|…). Phone numbers and signed amounts are not formulas.
 */
export const looksLikeFormula = (value: string) =>
  /^[=+\-@\t\r]/.test(value) && !/^[+-]?[\d\s().,/-]+$/.test(value);

export type Cells = Partial<Record<ImportField, string>>;

/** The mapped cells of one row, trimmed, empty ones left out, each formula-looking one a problem. */
export const cellsOf = (row: Record<string, string>, mapping: ImportMapping) => {
  const cells: Cells = {};
  const problems: RowProblem[] = [];
  for (const [field, column] of Object.entries(mapping) as [ImportField, string][]) {
    const v = (row[column] ?? '').trim();
    if (v === '') continue;
    if (looksLikeFormula(v))
      problems.push({ field, message: 'starts like a spreadsheet formula; remove the leading sign' });
    else cells[field] = v;
  }
  return { cells, problems };
};

const first = (v: string | undefined) => v?.split(/[,;\n]/)[0]?.trim() || undefined;

const COUNTRY_NAMES: Record<string, string> = {
  ireland: 'IE',
  'republic of ireland': 'IE',
  'united kingdom': 'GB',
  uk: 'GB',
  'great britain': 'GB',
  england: 'GB',
  scotland: 'GB',
  wales: 'GB',
  'northern ireland': 'GB',
  'united states': 'US',
  'united states of america': 'US',
  usa: 'US',
  germany: 'DE',
  deutschland: 'DE',
  france: 'FR',
  spain: 'ES',
  españa: 'ES',
  italy: 'IT',
  italia: 'IT',
  netherlands: 'NL',
  'the netherlands': 'NL',
  nederland: 'NL',
  belgium: 'BE',
  belgië: 'BE',
  belgique: 'BE',
  austria: 'AT',
  österreich: 'AT',
  portugal: 'PT',
  poland: 'PL',
  polska: 'PL',
  sweden: 'SE',
  denmark: 'DK',
  finland: 'FI',
  norway: 'NO',
  switzerland: 'CH',
  luxembourg: 'LU',
  canada: 'CA',
  australia: 'AU',
};

/** "IE", "Ireland", "United States": an ISO country code, or null. */
export const countryCodeOf = (raw: string | undefined, fallback: string): string | null => {
  if (!raw) return fallback;
  if (/^[A-Za-z]{2}$/.test(raw)) return raw.toUpperCase();
  return COUNTRY_NAMES[raw.toLowerCase().replace(/\s+/g, ' ')] ?? null;
};

export type CustomerDraft = {
  name: string;
  email: string | null;
  phone: string | null;
  billingAddress: {
    line1: string;
    line2?: string;
    city: string;
    region?: string;
    postalCode: string;
    country: string;
  };
  taxId: string | null;
  paymentTermsDays: number | null;
  contacts: {
    name: string;
    email: string | null;
    phone: string | null;
    role: string | null;
    invoiceRecipient: boolean;
  }[];
  sites: { name: string; address: CustomerDraft['billingAddress']; accessNotes: string | null }[];
};

const opt = <K extends string>(key: K, v: string | undefined) =>
  (v ? { [key]: v } : {}) as Partial<Record<K, string>>;

/**
 * One customer row: the customer with its billing address, a contact when a person is named beside a company,
 * and a site when a service address differs from the billing one. The app validates the result against the
 * API's own schema, so an import and a typed customer obey the same rules.
 */
export const customerDraftOf = (
  cells: Cells,
  defaultCountry: string,
): { draft: CustomerDraft; problems: RowProblem[] } => {
  const problems: RowProblem[] = [];
  const person = [cells.firstName, cells.lastName].filter(Boolean).join(' ');
  const name = cells.name ?? cells.company ?? person;
  if (!name)
    problems.push({ field: 'name', message: 'is empty: give a name, a company or a first and last name' });
  const country = countryCodeOf(cells.country, defaultCountry);
  if (!country) problems.push({ field: 'country', message: `is not a country we know: “${cells.country}”` });
  const siteCountry = countryCodeOf(cells.siteCountry, country ?? defaultCountry);
  if (!siteCountry)
    problems.push({ field: 'siteCountry', message: `is not a country we know: “${cells.siteCountry}”` });
  let paymentTermsDays: number | null = null;
  if (cells.paymentTermsDays) {
    const m = /^(?:net\s*)?(\d{1,3})(?:\s*days?)?$/i.exec(cells.paymentTermsDays);
    if (m?.[1]) paymentTermsDays = Number(m[1]);
    else problems.push({ field: 'paymentTermsDays', message: 'is not a number of days (e.g. 30 or Net 30)' });
  }
  const email = first(cells.email) ?? null;
  const mobile = first(cells.mobile) ?? null;
  const phone = first(cells.phone) ?? mobile;
  const billingAddress = {
    line1: cells.line1 ?? '',
    ...opt('line2', cells.line2),
    city: cells.city ?? '',
    ...opt('region', cells.region),
    postalCode: cells.postalCode ?? '',
    country: country ?? defaultCountry,
  };
  const contacts: CustomerDraft['contacts'] = [];
  if (person && person !== name) {
    contacts.push({ name: person, email, phone: mobile ?? phone, role: null, invoiceRecipient: true });
  } else if (mobile && mobile !== phone) {
    contacts.push({ name, email, phone: mobile, role: 'mobile', invoiceRecipient: false });
  }
  const sites: CustomerDraft['sites'] = [];
  if (cells.siteLine1) {
    const address = {
      line1: cells.siteLine1,
      ...opt('line2', cells.siteLine2),
      city: cells.siteCity ?? billingAddress.city,
      ...opt('region', cells.siteRegion),
      postalCode: cells.sitePostalCode ?? '',
      country: siteCountry ?? billingAddress.country,
    };
    sites.push({
      name: cells.siteName ?? address.line1,
      address,
      accessNotes: cells.accessNotes ?? null,
    });
  } else if (billingAddress.line1) {
    sites.push({
      name: cells.siteName ?? billingAddress.line1,
      address: billingAddress,
      accessNotes: cells.accessNotes ?? null,
    });
  }
  return {
    draft: {
      name,
      email,
      phone,
      billingAddress,
      taxId: cells.taxId ?? null,
      paymentTermsDays,
      contacts,
      sites,
    },
    problems,
  };
};

/**
 * What identifies a row's customer across files: the old tool's ID when the file has one, else the name,
 * e-mail and address. The same file imported twice finds its rows' keys among the first import's.
 */
export const customerKeyOf = (cells: Cells, draft: CustomerDraft) =>
  cells.sourceId
    ? `id:${cells.sourceId.toLowerCase()}`
    : `nm:${normalizeName(draft.name)}|${draft.email?.toLowerCase() ?? ''}|${normalizeAddressKey(draft.billingAddress)}`;

/** The existing customers a new one may duplicate, as the dry run holds them in memory (one read per run). */
export type CustomerIndex = {
  byEmail: Map<string, { id: string; name: string }>;
  byTaxId: Map<string, { id: string; name: string }>;
  byNameAddress: Map<string, { id: string; name: string }>;
};
export const emptyCustomerIndex = (): CustomerIndex => ({
  byEmail: new Map(),
  byTaxId: new Map(),
  byNameAddress: new Map(),
});
export const indexCustomer = (
  index: CustomerIndex,
  c: {
    id: string;
    name: string;
    email: string | null;
    taxId: string | null;
    billingAddress: { line1: string; postalCode: string };
  },
) => {
  const hit = { id: c.id, name: c.name };
  if (c.email) index.byEmail.set(c.email.toLowerCase(), hit);
  if (c.taxId) index.byTaxId.set(normalizeTaxId(c.taxId), hit);
  index.byNameAddress.set(`${normalizeName(c.name)}|${normalizeAddressKey(c.billingAddress)}`, hit);
};
/** Same e-mail, same tax ID, or same name and address: the rule a typed customer is checked with. */
export const duplicateOf = (index: CustomerIndex, d: CustomerDraft) =>
  (d.email ? index.byEmail.get(d.email.toLowerCase()) : undefined) ??
  (d.taxId ? index.byTaxId.get(normalizeTaxId(d.taxId)) : undefined) ??
  index.byNameAddress.get(`${normalizeName(d.name)}|${normalizeAddressKey(d.billingAddress)}`);

export type ItemKind = 'labor' | 'part' | 'fee';

const KIND_OF: Record<string, ItemKind> = {
  labor: 'labor',
  labour: 'labor',
  service: 'labor',
  services: 'labor',
  time: 'labor',
  part: 'part',
  parts: 'part',
  product: 'part',
  products: 'part',
  material: 'part',
  materials: 'part',
  inventory: 'part',
  noninventory: 'part',
  'non-inventory': 'part',
  stock: 'part',
  equipment: 'part',
  fee: 'fee',
  fees: 'fee',
  charge: 'fee',
  other: 'fee',
};

const UNIT_OF: Record<string, string> = {
  h: 'HUR',
  hr: 'HUR',
  hrs: 'HUR',
  hour: 'HUR',
  hours: 'HUR',
  hur: 'HUR',
  each: 'C62',
  ea: 'C62',
  unit: 'C62',
  units: 'C62',
  pc: 'C62',
  pcs: 'C62',
  piece: 'C62',
  item: 'C62',
  c62: 'C62',
  visit: 'C62',
  job: 'C62',
  m: 'MTR',
  metre: 'MTR',
  meter: 'MTR',
  mtr: 'MTR',
  kg: 'KGM',
  kgm: 'KGM',
  l: 'LTR',
  litre: 'LTR',
  liter: 'LTR',
  ltr: 'LTR',
  m2: 'MTK',
  sqm: 'MTK',
  mtk: 'MTK',
  day: 'DAY',
  days: 'DAY',
};

export type TaxCodeRef = { id: string; code: string; name: string; rate: string; category: string | null };

/**
 * A tax cell as old tools write it: our code (S-STD), its name, a rate ("23%", "13.5", "23% VAT"), or the
 * "Taxable" yes/no column (yes: the standard rate; no: zero-rated or exempt).
 */
export const taxCodeOf = (raw: string | undefined, codes: readonly TaxCodeRef[]): TaxCodeRef | null => {
  const standard = [...codes]
    .filter((c) => c.category === 'S' || c.category === null)
    .sort((a, b) => Number(b.rate) - Number(a.rate))[0];
  if (!raw) return standard ?? codes[0] ?? null;
  const v = raw.trim().toLowerCase();
  const byCode = codes.find((c) => c.code.toLowerCase() === v || c.name.toLowerCase() === v);
  if (byCode) return byCode;
  if (['yes', 'y', 'true', 'taxable', 'tax'].includes(v)) return standard ?? null;
  if (['no', 'n', 'false', 'non', 'exempt', 'non-taxable', 'nontaxable'].includes(v))
    return (
      codes.find((c) => c.category === 'Z') ??
      codes.find((c) => c.category === 'E') ??
      codes.find((c) => Number(c.rate) === 0) ??
      null
    );
  const rate = /(\d+(?:[.,]\d+)?)\s*%?/.exec(v)?.[1]?.replace(',', '.');
  if (rate === undefined) return null;
  const matching = codes.filter((c) => Number(c.rate) === Number(rate));
  return matching.find((c) => c.category === 'S') ?? matching[0] ?? null;
};

export type ItemDraft = {
  sku: string;
  name: string;
  kind: ItemKind;
  unitCode: string;
  unitPrice: string;
  taxCodeId: string;
  glAccount: string | null;
  active: boolean;
};

/** "€1,234.50", "1.234,50", "12" -> "1234.50"; null when it is not a price. */
export const priceOf = (raw: string): string | null => {
  let s = raw.replace(/[^\d.,-]/g, '');
  if (/^-/.test(s) || s === '') return null;
  const lastComma = s.lastIndexOf(',');
  const lastDot = s.lastIndexOf('.');
  if (lastComma > lastDot) s = s.replace(/\./g, '').replace(',', '.');
  else s = s.replace(/,/g, '');
  if (!/^\d+(\.\d{1,4})?$/.test(s)) return null;
  return s;
};

/** A SKU made from a name when the old tool had none (Jobber exports none): upper case, dashes, at most 64 long. */
export const skuFromName = (name: string) =>
  name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 64) || 'ITEM';

export const itemDraftOf = (
  cells: Cells,
  codes: readonly TaxCodeRef[],
): { draft: ItemDraft; problems: RowProblem[] } => {
  const problems: RowProblem[] = [];
  const name = cells.name ?? cells.description ?? cells.sku ?? '';
  if (!name) problems.push({ field: 'name', message: 'is empty' });
  const sku = (cells.sku ?? skuFromName(name)).toUpperCase();
  if (sku.length > 64) problems.push({ field: 'sku', message: 'is longer than 64 characters' });
  const kindWord = cells.kind?.toLowerCase().replace(/\s+/g, '');
  const kind: ItemKind | undefined = kindWord ? KIND_OF[kindWord] : 'part';
  if (!kind) problems.push({ field: 'kind', message: `is not labour, part or fee: “${cells.kind}”` });
  const unitWord = cells.unit?.toLowerCase().replace(/[\s.]/g, '');
  const unitCode = unitWord ? UNIT_OF[unitWord] : kind === 'labor' ? 'HUR' : 'C62';
  if (!unitCode)
    problems.push({
      field: 'unit',
      message: `is not a unit we know (hour, each, m, kg, l): “${cells.unit}”`,
    });
  const unitPrice = cells.unitPrice ? priceOf(cells.unitPrice) : null;
  if (!cells.unitPrice) problems.push({ field: 'unitPrice', message: 'is empty' });
  else if (unitPrice === null)
    problems.push({ field: 'unitPrice', message: `is not a price: “${cells.unitPrice}”` });
  const tax = taxCodeOf(cells.taxCode, codes);
  if (!tax)
    problems.push({
      field: 'taxCode',
      message: `matches no tax code: “${cells.taxCode}” (add it under Settings → Tax codes, or change the cell)`,
    });
  const activeWord = cells.active?.toLowerCase();
  const active = !activeWord || !['no', 'n', 'false', 'inactive', 'archived', '0'].includes(activeWord);
  return {
    draft: {
      sku,
      name: name.slice(0, 200),
      kind: kind ?? 'part',
      unitCode: unitCode ?? 'C62',
      unitPrice: unitPrice ?? '0',
      taxCodeId: tax?.id ?? '',
      glAccount: cells.glAccount ?? null,
      active,
    },
    problems,
  };
};

/** An item's values an import writes and compares, and an undo puts back (the SKU is the item's key). */
export const ITEM_VALUE_KEYS = [
  'name',
  'kind',
  'unitCode',
  'unitPrice',
  'taxCodeId',
  'glAccount',
  'active',
] as const;

/** What an update would change on an existing item, field by field (prices as decimals); empty: unchanged. */
export const itemChanges = (before: ItemDraft, after: ItemDraft) =>
  ITEM_VALUE_KEYS.filter((k) =>
    k === 'unitPrice' ? !new Decimal(before[k]).eq(after[k]) : before[k] !== after[k],
  );

/** Rows per action, every action named (0 when none). */
export const actionCounts = (counts: Partial<Record<string, number>>): Record<ImportAction, number> =>
  Object.fromEntries(IMPORT_ACTIONS.map((a) => [a, counts[a] ?? 0])) as Record<ImportAction, number>;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/**
 * A day as old tools export it: 2026-12-08, 08/12/2026 (day first, as everywhere but the United States, where
 * 12/08/2026 is month first), 8 Dec 2026, Dec 8, 2026; a time after it is returned apart. Null: not a day.
 */
export const dayOf = (raw: string, monthFirst: boolean): { day: string; time: string | null } | null => {
  const v = raw.trim();
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T\s]+(.+))?$/.exec(v);
  const numeric = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})(?:,?\s+(.+))?$/.exec(v);
  const dayName = /^(\d{1,2})\.?\s+([A-Za-z]{3,})\.?,?\s+(\d{4})(?:,?\s+(.+))?$/.exec(v);
  const monthName = /^(?:[A-Za-z]{3,},?\s+)?([A-Za-z]{3,})\.?\s+(\d{1,2}),?\s+(\d{4})(?:,?\s+(.+))?$/.exec(v);
  let y: number;
  let m: number;
  let d: number;
  let rest: string | undefined;
  if (iso) [y, m, d, rest] = [Number(iso[1]), Number(iso[2]), Number(iso[3]), iso[4]];
  else if (numeric) {
    const [a, b] = [Number(numeric[1]), Number(numeric[2])];
    [m, d] = monthFirst ? [a, b] : [b, a];
    y = Number(numeric[3]);
    if (y < 100) y += 2000;
    rest = numeric[4];
  } else if (dayName) {
    d = Number(dayName[1]);
    m = MONTHS.indexOf(dayName[2]?.slice(0, 3).toLowerCase() ?? '') + 1;
    y = Number(dayName[3]);
    rest = dayName[4];
  } else if (monthName) {
    m = MONTHS.indexOf(monthName[1]?.slice(0, 3).toLowerCase() ?? '') + 1;
    d = Number(monthName[2]);
    y = Number(monthName[3]);
    rest = monthName[4];
  } else return null;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (m < 1 || m > 12 || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return { day: date.toISOString().slice(0, 10), time: rest?.trim() || null };
};

/** "9:00 AM", "9am", "14:30", "0930": HH:MM on a 24-hour clock; null when it is not a time. */
export const clockOf = (raw: string): string | null => {
  const m = /^(\d{1,2})(?:[:.h]?(\d{2}))?(?::\d{2})?\s*([ap])?\.?m?\.?$/i.exec(raw.trim());
  if (!m) return null;
  let h = Number(m[1]);
  const min = Number(m[2] ?? '0');
  const half = m[3]?.toLowerCase();
  if (half && (h < 1 || h > 12)) return null;
  if (half === 'p' && h < 12) h += 12;
  if (half === 'a' && h === 12) h = 0;
  if (h > 23 || min > 59) return null;
  return `${String(h).padStart(2, '0')}:${String(min).padStart(2, '0')}`;
};

/** A window's time range in one cell: "9:00 AM - 11:00 AM", "09:00–11:00". */
const rangeOf = (raw: string): [string, string] | null => {
  const parts = raw.split(/\s*(?:-|–|—|to|bis)\s*/i);
  if (parts.length !== 2) return null;
  const [a, b] = [clockOf(parts[0] ?? ''), clockOf(parts[1] ?? '')];
  return a && b ? [a, b] : null;
};

/** The working day a visit with a date and no time is booked in ("any time that day" in the old tool). */
export const ANY_TIME = { start: '08:00', end: '17:00' } as const;

export type JobDraft = {
  sourceId: string | null;
  customerSourceId: string | null;
  customer: string | null;
  siteLine1: string | null;
  scope: string;
  jobType: string | null;
  /** The day and the times on the business's clock; the app turns them into instants in its time zone. */
  day: string;
  start: string;
  end: string;
  /** True when the file gave no time: the whole working day. */
  anyTime: boolean;
  technicians: string[];
  poNumber: string | null;
};

/**
 * One job row: who it is for (the old tool's customer ID, else their name), where, what, when on the
 * business's clock, and who goes. The app finds the customer, the site, the kind of work and the crew.
 */
export const jobDraftOf = (
  cells: Cells,
  monthFirst: boolean,
): { draft: JobDraft; problems: RowProblem[] } => {
  const problems: RowProblem[] = [];
  if (!cells.customer && !cells.customerSourceId)
    problems.push({ field: 'customer', message: 'is empty: name the customer or give their ID' });
  if (!cells.scope) problems.push({ field: 'scope', message: 'is empty: say what work is to be done' });
  let day = '';
  let start: string = ANY_TIME.start;
  let end: string = ANY_TIME.end;
  let anyTime = true;
  const parsed = cells.date ? dayOf(cells.date, monthFirst) : null;
  if (!cells.date) problems.push({ field: 'date', message: 'is empty: a job is booked on a day' });
  else if (!parsed) problems.push({ field: 'date', message: `is not a date: “${cells.date}”` });
  else {
    day = parsed.day;
    // A time range in the date's cell or the start's ("9:00 AM - 11:00 AM"), or a start and an end.
    const range = rangeOf(parsed.time ?? '') ?? (cells.startTime ? rangeOf(cells.startTime) : null);
    const startRaw = cells.startTime ?? parsed.time;
    const begin = range ? range[0] : startRaw ? clockOf(startRaw) : null;
    const until = range ? range[1] : cells.endTime ? clockOf(cells.endTime) : null;
    if (startRaw && !begin)
      problems.push({
        field: cells.startTime ? 'startTime' : 'date',
        message: `is not a time: “${startRaw}”`,
      });
    if (!range && cells.endTime && !until)
      problems.push({ field: 'endTime', message: `is not a time: “${cells.endTime}”` });
    if (begin) {
      anyTime = false;
      start = begin;
      // A start and no end: two hours, the usual visit.
      end =
        until ?? `${String(Math.min(Number(begin.slice(0, 2)) + 2, 23)).padStart(2, '0')}:${begin.slice(3)}`;
      if (end <= start) problems.push({ field: 'endTime', message: 'is not after the start' });
    }
  }
  const technicians = (cells.technicians ?? '')
    .split(/\s*(?:,|;|\/|&|\band\b)\s*/i)
    .map((t) => t.trim())
    .filter(Boolean);
  return {
    draft: {
      sourceId: cells.sourceId ?? null,
      customerSourceId: cells.customerSourceId ?? null,
      customer: cells.customer ?? null,
      siteLine1: cells.siteLine1 ?? null,
      scope: (cells.scope ?? '').slice(0, 4000),
      jobType: cells.jobType ?? null,
      day,
      start,
      end,
      anyTime,
      technicians,
      poNumber: cells.poNumber ?? null,
    },
    problems,
  };
};

/** What identifies a job row across files: the old tool's job number, else its customer, day, start and work. */
export const jobKeyOf = (d: JobDraft, customerId: string) =>
  d.sourceId
    ? `job:${d.sourceId.toLowerCase()}`
    : `job:${customerId}|${d.day}T${d.start}|${normalizeName(d.scope).slice(0, 200)}`;
