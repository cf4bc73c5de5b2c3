import type { PublicQuote } from '../../../src/contracts/quotes';
import { grossOf } from '../../../src/core/invoice-calc';
import { optionGroups, type QuoteChoice, type QuotePrice } from '../../../src/core/quote-pricing';
import { moneyIn } from './format';
import { useWords } from './words';

type Line = PublicQuote['lines'][number];

type Words = ReturnType<typeof useWords>;

const lineAmount = (w: Words, q: PublicQuote, l: Line) =>
  moneyIn(w, q, grossOf(l.quantity, l.unitPrice).toFixed());

const quantityText = (w: Words, l: Line) => (l.quantity === '1' ? '' : `${w.decimal(l.quantity)} × `);

const LineRow = ({ q, l }: { q: PublicQuote; l: Line }) => {
  const w = useWords();
  return (
    <li className="line">
      <span>
        {quantityText(w, l)}
        {l.description}
      </span>
      <span className="amount">{lineAmount(w, q, l)}</span>
    </li>
  );
};

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
  const w = useWords();
  const base = quote.lines.filter((l) => !l.option && !l.optional);
  const addOns = quote.lines.filter((l) => l.optional && !l.option);
  const groups = [...optionGroups(quote.lines)];
  return (
    <>
      {base.length > 0 && (
        <section className="card">
          <h2>{w.t('portal.quote.included')}</h2>
          <ul className="lines">
            {base.map((l) => (
              <LineRow key={l.id} q={quote} l={l} />
            ))}
          </ul>
        </section>
      )}
      {groups.map(([group, keys]) => (
        <fieldset className="card" key={group} disabled={locked}>
          <legend>
            {w.t('portal.quote.choose', { group: w.language === 'en' ? group.toLowerCase() : group })}
          </legend>
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
                      {quantityText(w, l)}
                      {l.description}
                    </span>
                  ))}
                </span>
                <span className="amount">{moneyIn(w, quote, total.toFixed())}</span>
              </label>
            );
          })}
        </fieldset>
      ))}
      {addOns.length > 0 && (
        <fieldset className="card" disabled={locked}>
          <legend>{w.t('portal.quote.extras')}</legend>
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
                {quantityText(w, l)}
                {l.description}
              </span>
              <span className="amount">{lineAmount(w, quote, l)}</span>
            </label>
          ))}
        </fieldset>
      )}
    </>
  );
};

const taxName = (w: Words, q: PublicQuote, s: { category: string | null; rate: string }) =>
  w.t(q.scheme === 'vat' ? 'portal.quote.vat' : 'portal.quote.salesTax', { rate: w.percent(s.rate) });

/** The totals of what is chosen, as the invoice will have them, and what is due on acceptance. */
export const QuoteTotals = ({ quote, price }: { quote: PublicQuote; price: QuotePrice }) => {
  const w = useWords();
  if (!price.ok)
    return (
      <section className="card notice" role="alert">
        {price.problems.map((p) => (
          <p key={p.field}>{p.message}</p>
        ))}
      </section>
    );
  const t = price.calc.totals;
  const money = (value: string) => moneyIn(w, quote, value);
  return (
    <section className="card totals" aria-label={w.t('portal.quote.totals')}>
      <dl>
        <Row label={w.t('portal.quote.workAndMaterials')} value={money(t.lineTotal)} />
        {Number(t.allowanceTotal) > 0 && (
          <Row
            label={w.t('portal.quote.discount', { percent: w.percent(quote.discountPercent ?? '0') })}
            value={`−${money(t.allowanceTotal)}`}
          />
        )}
        {price.calc.taxSubtotals
          .filter((s) => Number(s.taxAmount) !== 0)
          .map((s) => (
            <Row key={`${s.category}-${s.rate}`} label={taxName(w, quote, s)} value={money(s.taxAmount)} />
          ))}
        <Row label={w.t('quote.total')} value={money(t.payable)} className="grand" testId="quote-total" />
        {price.depositDue && (
          <Row label={w.t('quote.depositDue')} value={money(price.depositDue)} testId="deposit-due" />
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
