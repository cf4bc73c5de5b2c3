import { useEffect, useState } from 'react';
import { QuotePage } from './quote-page';

/** The token in `#/quote/<token>`: the hash never reaches a server log or a Referer header. */
const tokenOf = (hash: string): string | null => /^#\/quote\/([A-Za-z0-9_-]{43})$/.exec(hash)?.[1] ?? null;

export const PortalApp = () => {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const onChange = () => setHash(window.location.hash);
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  const token = tokenOf(hash);
  if (!token)
    return (
      <main className="page">
        <section className="card">
          <h1>This page needs your link</h1>
          <p>Open the link in the e-mail we sent you. If it does not work, ask us for a new one.</p>
        </section>
      </main>
    );
  return <QuotePage token={token} />;
};
