import { decimalString } from '../../core/decimal';
import type { FieldProblem } from '../../core/errors';
import { grossOf } from '../../core/invoice-calc';
import { MAX_AMOUNT } from '../../core/money';
import type { catalogItems } from '../../db/schema';

type Item = typeof catalogItems.$inferSelect;

/**
 * A line typed by the office or picked from the price book (a quote's, a change order's): the item's name
 * and price unless the line gives its own. An unknown SKU, a line with no description or no price is named
 * in `problems` under `at` (`body.lines.2`); the caller keeps the line only when both came out.
 */
export const fromPriceBook = (
  l: { sku?: string | null | undefined; description?: string | undefined; unitPrice?: string | undefined },
  items: ReadonlyMap<string, Item>,
  at: string,
  problems: FieldProblem[],
) => {
  const item = l.sku ? items.get(l.sku) : undefined;
  const unknown = !!l.sku && !item;
  if (unknown) problems.push({ field: `${at}.sku`, message: `no price book item ${l.sku}` });
  const description = l.description ?? item?.name;
  if (!description && !unknown)
    problems.push({ field: `${at}.description`, message: 'describe the work or pick an item' });
  const unitPrice = l.unitPrice ?? (item ? decimalString(item.unitPrice) : undefined);
  if (unitPrice === undefined && !unknown)
    problems.push({ field: `${at}.unitPrice`, message: 'give a price' });
  return { item, description, unitPrice };
};

/** A line no invoice could carry (more than the largest amount) is named under its quantity. */
export const checkLineAmount = (
  quantity: string,
  unitPrice: string | undefined,
  at: string,
  problems: FieldProblem[],
) => {
  if (unitPrice !== undefined && grossOf(quantity, unitPrice).gt(MAX_AMOUNT))
    problems.push({
      field: `${at}.quantity`,
      message: `the line comes to more than ${MAX_AMOUNT.toFixed(2)}`,
    });
};
