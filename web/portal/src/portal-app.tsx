import { useEffect, useState } from 'react';
import { AccountPage } from './account-page';
import { ChangePage } from './change-page';
import { PayPage } from './pay-page';
import { QuotePage } from './quote-page';
import { useWords } from './words';

type Link = { kind: 'quote' | 'change' | 'account' | 'pay'; token: string; paid: string | null };

/**
 * What the link opens, `#/quote/<token>`, `#/change/<token>`, `#/account/<token>` or an invoice's pay link
 * `#/pay/<token>` (back from paying: `?paid=<document>`): the token sits in the hash, which never reaches a
 * server log or a Referer header.
 */
const linkOf = (hash: string): Link | null => {
  const m =
    /^#\/(quote|change|account)\/([A-Za-z0-9_-]{43})(?:\?paid=([0-9a-f-]{36}))?$/.exec(hash) ??
    /^#\/(pay)\/([A-Za-z0-9_-]{86})(?:\?paid=([0-9a-f-]{36}))?$/.exec(hash);
  return m ? { kind: m[1] as Link['kind'], token: m[2] as string, paid: m[3] ?? null } : null;
};

export const PortalApp = () => {
  const w = useWords();
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
          <h1>{w.t('portal.needsLink')}</h1>
          <p>{w.t('portal.needsLinkBody')}</p>
        </section>
      </main>
    );
  if (link.kind === 'account') return <AccountPage token={link.token} paidId={link.paid} />;
  if (link.kind === 'pay') return <PayPage token={link.token} returned={link.paid !== null} />;
  return link.kind === 'quote' ? <QuotePage token={link.token} /> : <ChangePage token={link.token} />;
};
