import { useState } from 'react';
import type { WorkOrdersT } from '../../../src/contracts/work-orders';
import { grossOf } from '../../../src/core/invoice-calc';
import { isDecimal } from './closeout';
import type { Photo } from './db';
import { money } from './format';
import { Thumb } from './Photos';

/** A line typed or picked on the phone: a change order's or a quote's. */
export type LineRow = {
  key: string;
  sku: string | null;
  description: string;
  quantity: string;
  unitPrice: string;
};

export const newRow = (r: Omit<LineRow, 'key'>): LineRow => ({ ...r, key: crypto.randomUUID() });

/** Whether every line can be priced: a description, a quantity above zero, a price. */
export const rowsValid = (rows: LineRow[]) =>
  rows.length > 0 &&
  rows.every(
    (r) => r.description.trim() && isDecimal(r.quantity) && Number(r.quantity) > 0 && isDecimal(r.unitPrice),
  );

/** Search the price book the phone holds; a tap adds the item at its price. */
export const PriceBookSearch = ({
  work,
  onPick,
}: {
  work: WorkOrdersT;
  onPick: (r: Omit<LineRow, 'key'>) => void;
}) => {
  const [query, setQuery] = useState('');
  const currency = work.organization.currency;
  const matches = query.trim()
    ? work.priceBook
        .filter((p) => `${p.name} ${p.sku}`.toLowerCase().includes(query.trim().toLowerCase()))
        .slice(0, 6)
    : [];
  return (
    <>
      <label>
        Search the price book
        <input value={query} onChange={(e) => setQuery(e.target.value)} placeholder="Radiator, valve…" />
      </label>
      <ul className="matches">
        {matches.map((p) => (
          <li key={p.sku}>
            <button
              type="button"
              onClick={() => {
                setQuery('');
                onPick({ sku: p.sku, description: p.name, quantity: '1', unitPrice: p.unitPrice });
              }}
            >
              {p.name} · {money(p.unitPrice, currency)}
            </button>
          </li>
        ))}
      </ul>
    </>
  );
};

/** One line's description, quantity and price, with what it comes to before tax. */
export const LineFields = ({
  row,
  label,
  legend,
  sign = '',
  readOnly = false,
  currency,
  onChange,
  onRemove,
}: {
  row: LineRow;
  label: string;
  legend: string;
  sign?: string;
  readOnly?: boolean;
  currency: string;
  onChange: (patch: Partial<LineRow>) => void;
  onRemove: () => void;
}) => (
  <fieldset className="part" aria-label={label}>
    <legend>{legend}</legend>
    <label>
      Description
      <input
        value={row.description}
        readOnly={readOnly}
        onChange={(e) => onChange({ description: e.target.value })}
      />
    </label>
    <div className="pair">
      <label>
        Quantity
        <input
          inputMode="decimal"
          value={row.quantity}
          onChange={(e) => onChange({ quantity: e.target.value })}
        />
      </label>
      <label>
        Unit price
        <input
          inputMode="decimal"
          value={row.unitPrice}
          readOnly={readOnly}
          onChange={(e) => onChange({ unitPrice: e.target.value })}
        />
      </label>
    </div>
    {isDecimal(row.quantity) && isDecimal(row.unitPrice) && (
      <p className="muted">
        {sign}
        {money(grossOf(row.quantity, row.unitPrice).toFixed(), currency)} before tax
      </p>
    )}
    <button type="button" className="link" onClick={onRemove}>
      Remove this line
    </button>
  </fieldset>
);

/** The job's photos on this phone, ticked to go with a change or a quote (at most `max`). */
export const PhotoPicker = ({
  photos,
  picked,
  max,
  label,
  legend,
  onChange,
}: {
  photos: Photo[];
  picked: string[];
  max: number;
  label: string;
  legend: string;
  onChange: (picked: string[]) => void;
}) => (
  <fieldset className="part" aria-label={label}>
    <legend>{legend}</legend>
    <div className="thumbs">
      {photos.map((p) => (
        <label key={p.id} className="pick">
          <input
            type="checkbox"
            aria-label={`${p.category.replace('_', ' ')} photo, ${new Date(p.takenAt).toLocaleTimeString()}`}
            disabled={!picked.includes(p.id) && picked.length >= max}
            checked={picked.includes(p.id)}
            onChange={(e) =>
              onChange(e.target.checked ? [...picked, p.id] : picked.filter((x) => x !== p.id))
            }
          />
          <Thumb photo={p} />
        </label>
      ))}
    </div>
  </fieldset>
);
