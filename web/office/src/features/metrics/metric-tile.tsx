/** A share as people read it: 0.875 → "87.5 %". */
export const pct = (v: number | null) => (v === null ? '–' : `${Math.round(v * 1000) / 10} %`);

/** A number the office can open: the jobs or invoices behind it appear below. */
export const Tile = ({
  label,
  value,
  hint,
  onOpen,
  warn,
}: {
  label: string;
  value: string;
  hint?: string;
  onOpen?: () => void;
  warn?: boolean;
}) => {
  const body = (
    <>
      <span className="value">{value}</span>
      <span className="label">{label}</span>
      {hint && <small>{hint}</small>}
    </>
  );
  return onOpen ? (
    <button
      type="button"
      className={`tile metric ${warn ? 'warn' : ''}`}
      onClick={onOpen}
      aria-label={`${label}: ${value}. Show the list`}
    >
      {body}
    </button>
  ) : (
    <div className={`tile metric ${warn ? 'warn' : ''}`}>{body}</div>
  );
};
