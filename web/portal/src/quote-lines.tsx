import type { PublicQuote } from '../../../src/contracts/quotes';
import { grossOf } from '../../../src/core/invoice-calc';
import { optionGroups, type QuoteChoice, type QuotePrice } from '../../../src/core/quote-pricing';
import { money } from './format';

type Line = PublicQuote['lines'][number];

const lineAmount = (q: PublicQuote, l: Line) => money(q, grossOf(l.quantity, l.unitPrice).toFixed());

const quantityText = (l: Line) => (l.quantity === '1' ? '' : `${l.quantity} × `);

const LineRow = ({ q, l }: { q: PublicQuote; l: Line }) => (
  <li className="line">
    <span>
      {quantityText(l)}
      {l.description}
    </span>
    <span className="amount">{lineAmount(q, l)}</span>
  </li>
);

/** The offer: what is always included, one option of each group, the extras to tick. */
export const QuoteLines = ({
  quote,
  choice,
  onChoice,
  locked,
}: {
  quote: PublicQuote;
  choice: QuoteChoice;
  onChoice: (c: QuoteChoice) => void;
  locked: boolean;
}) => {
  const base = quote.lines.filter((l) => !l.option && !l.optional);
  const addOns = quote.lines.filter((l) => l.optional && !l.option);
  const groups = [...optionGroups(quote.lines)];
  return (
    <>
      {base.length > 0 && (
        <section className="card">
          <h2>Included</h2>
          <ul className="lines">
            {base.map((l) => (
              <LineRow key={l.id} q={quote} l={l} />
            ))}
          </ul>
        </section>
      )}
      {groups.map(([group, keys]) => (
        <fieldset className="card" key={group} disabled={locked}>
          <legend>Choose your {group.toLowerCase()}</legend>
          {keys.map((key) => {
            const lines = quote.lines.filter((l) => l.option?.group === group && l.option.key === key);
            const total = lines.reduce((s, l) => s.plus(grossOf(l.quantity, l.unitPrice)), grossOf('0', '0'));
            return (
              <label key={key} className={`option ${choice.options[group] === key ? 'chosen' : ''}`}>
                <input
                  type="radio"
                  name={`group-${group}`}
                  checked={choice.options[group] === key}
                  onChange={() => onChoice({ ...choice, options: { ...choice.options, [group]: key } })}
                />
                <span className="option-body">
                  <strong>{key}</strong>
                  {lines.map((l) => (
                    <span key={l.id} className="muted">
                      {quantityText(l)}
                      {l.description}
                    </span>
                  ))}
                </span>
                <span className="amount">{money(quote, total.toFixed())}</span>
              </label>
            );
          })}
        </fieldset>
      ))}
      {addOns.length > 0 && (
        <fieldset className="card" disabled={locked}>
          <legend>Extras you can add</legend>
          {addOns.map((l) => (
            <label key={l.id} className={`option ${choice.addOns.includes(l.id) ? 'chosen' : ''}`}>
              <input
                type="checkbox"
                checked={choice.addOns.includes(l.id)}
                onChange={(e) =>
                  onChoice({
                    ...choice,
                    addOns: e.target.checked
                      ? [...choice.addOns, l.id]
                      : choice.addOns.filter((id) => id !== l.id),
                  })
                }
              />
              <span className="option-body">
                {quantityText(l)}
                {l.description}
              </span>
              <span className="amount">{lineAmount(quote, l)}</span>
            </label>
          ))}
        </fieldset>
      )}
    </>
  );
};

const taxName = (q: PublicQuote, s: { category: string | null; rate: string }) =>
  q.scheme === 'vat' ? `VAT ${s.rate} %` : `Sales tax ${s.rate} %`;

/** The totals of what is chosen, as the invoice will have them, and what is due on acceptance. */
export const QuoteTotals = ({ quote, price }: { quote: PublicQuote; price: QuotePrice }) => {
  if (!price.ok)
    return (
      <section className="card notice" role="alert">
        {price.problems.map((p) => (
          <p key={p.field}>{p.message}</p>
        ))}
      </section>
    );
  const t = price.calc.totals;
  return (
    <section className="card totals" aria-label="Totals">
      <dl>
        <Row label="Work and materials" value={money(quote, t.lineTotal)} />
        {Number(t.allowanceTotal) > 0 && (
          <Row label={`Discount ${quote.discountPercent} %`} value={`−${money(quote, t.allowanceTotal)}`} />
        )}
        {price.calc.taxSubtotals
          .filter((s) => Number(s.taxAmount) !== 0)
          .map((s) => (
            <Row
              key={`${s.category}-${s.rate}`}
              label={taxName(quote, s)}
              value={money(quote, s.taxAmount)}
            />
          ))}
        <Row label="Total" value={money(quote, t.payable)} className="grand" testId="quote-total" />
        {price.depositDue && (
          <Row
            label="Deposit due on acceptance"
            value={money(quote, price.depositDue)}
            testId="deposit-due"
          />
        )}
      </dl>
    </section>
  );
};

const Row = ({
  label,
  value,
  className,
  testId,
}: {
  label: string;
  value: string;
  className?: string;
  testId?: string;
}) => (
  <div className={`row ${className ?? ''}`}>
    <dt>{label}</dt>
    <dd data-testid={testId}>{value}</dd>
  </div>
);
