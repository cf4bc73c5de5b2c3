import { useEffect, useState } from 'react';

/** Hash routes: #/ (jobs), #/job/<id>, #/closeout/<id>, #/change/<job id>[/<change id>], #/quote/<job id>, #/outbox */
const parse = () => window.location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
export const useRoute = (): string[] => {
  const [route, setRoute] = useState(parse);
  useEffect(() => {
    const on = () => setRoute(parse());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
};
export const go = (path: string) => {
  window.location.hash = `#/${path}`;
};
