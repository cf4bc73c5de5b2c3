import currencyCodes from 'currency-codes';

/** Decimal strings formatted for people without turning them into floats for arithmetic. */
/** Every ISO 4217 currency a customer can be invoiced in, by code and name ("GBP · Pound Sterling"). */
export const CURRENCY_OPTIONS = currencyCodes
  .codes()
  .filter((c) => c !== 'XXX' && c !== 'XTS' && !c.startsWith('XB'))
  .map((c) => ({ value: c, label: `${c} · ${currencyCodes.code(c)?.currency ?? ''}` }));

export const money = (amount: string | null | undefined, currency: string): string => {
  if (amount === null || amount === undefined) return '–';
  return new Intl.NumberFormat('en-IE', { style: 'currency', currency }).format(amount as unknown as number);
};

export const dateTime = (iso: string | null | undefined, timeZone: string): string =>
  iso
    ? new Intl.DateTimeFormat('en-IE', {
        timeZone,
        weekday: 'short',
        day: 'numeric',
        month: 'short',
        hour: '2-digit',
        minute: '2-digit',
      }).format(new Date(iso))
    : '–';

const DAY = new Intl.DateTimeFormat('en-IE', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});
/** A business date (YYYY-MM-DD) as people write it: "18 Nov 2026". */
export const dayText = (day: string | null | undefined): string =>
  day ? DAY.format(new Date(`${day}T00:00:00Z`)) : '–';

/** HH:MM (24 h) of an instant on the organization's wall clock. */
export const timeOnly = (iso: string, timeZone: string): string =>
  new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(
    new Date(iso),
  );

/** "1 document", "3 documents". */
export const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** A tax subtotal as a customer's document names it: "VAT 23 %", "VAT 0 %", "No VAT", "Sales tax 8.875 %". */
export const taxWords = (salesTax: boolean, category: string | null, rate: string) =>
  salesTax
    ? `Sales tax ${Number(rate)} %`
    : category === 'S' || category === null
      ? `VAT ${Number(rate)} %`
      : category === 'Z'
        ? 'VAT 0 %'
        : 'No VAT';
