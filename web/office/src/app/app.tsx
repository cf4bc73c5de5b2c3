import { QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { useEffect, useMemo, useState } from 'react';
import { loadMe, type MeT, signOut } from '../shared/api';
import { LiveProvider } from '../shared/live';
import { MeContext } from '../shared/me';
import { createQueryClient } from '../shared/query';
import { Login } from './login';
import { createAppRouter } from './router';
import { SignOutContext } from './session';

/** The signed-in app: one query cache and one router per session, so nothing of one person leaks to the next. */
const SignedIn = ({ me, onSignOut }: { me: MeT; onSignOut: () => void }) => {
  const queryClient = useMemo(() => createQueryClient(), []);
  const router = useMemo(() => createAppRouter(me), [me]);
  return (
    <QueryClientProvider client={queryClient}>
      <MeContext.Provider value={me}>
        <SignOutContext.Provider value={onSignOut}>
          <LiveProvider enabled={me.permissions.includes('events.read')}>
            <RouterProvider router={router} />
          </LiveProvider>
        </SignOutContext.Provider>
      </MeContext.Provider>
    </QueryClientProvider>
  );
};

export const App = () => {
  const [me, setMe] = useState<MeT | null | undefined>(undefined);
  useEffect(() => {
    loadMe().then(setMe, () => setMe(null));
  }, []);
  if (me === undefined) return <p className="loading">Loading…</p>;
  if (me === null) return <Login onSignedIn={setMe} />;
  return <SignedIn me={me} onSignOut={() => signOut().then(() => setMe(null))} />;
};
