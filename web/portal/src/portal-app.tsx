import { useEffect, useState } from 'react';
import { ChangePage } from './change-page';
import { QuotePage } from './quote-page';

/**
 * What the link opens, `#/quote/<token>` or `#/change/<token>`: the token sits in the hash, which never
 * reaches a server log or a Referer header.
 */
const linkOf = (hash: string): { kind: 'quote' | 'change'; token: string } | null => {
  const m = /^#\/(quote|change)\/([A-Za-z0-9_-]{43})$/.exec(hash);
  return m ? { kind: m[1] as 'quote' | 'change', token: m[2] as string } : null;
};

export const PortalApp = () => {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const onChange = () => setHash(window.location.hash);
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  const link = linkOf(hash);
  if (!link)
    return (
      <main className="page">
        <section className="card">
          <h1>This page needs your link</h1>
          <p>Open the link in the e-mail we sent you. If it does not work, ask us for a new one.</p>
        </section>
      </main>
    );
  return link.kind === 'quote' ? <QuotePage token={link.token} /> : <ChangePage token={link.token} />;
};
