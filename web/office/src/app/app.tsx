import { Button, Card, Container, Stack, Text, Title } from '@mantine/core';
import { QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { useEffect, useMemo, useState } from 'react';
import { RecoveryCodesList, SecondFactorSetupSteps } from '../features/account/two-factor';
import { loadMe, type MeT, signOut } from '../shared/api';
import { LiveProvider } from '../shared/live';
import { MeContext } from '../shared/me';
import { createQueryClient } from '../shared/query';
import { AcceptInvitation, Login, ResetPassword } from './login';
import { createAppRouter } from './router';
import { MoveSessionContext, SignOutContext } from './session';
import { FinishSignUp, SignUp } from './sign-up';

/**
 * The organization requires two-step sign-in of this person and they have none yet: setting it up is the
 * only thing open (the server refuses everything else), then the recovery codes, then the app.
 */
const RequiredSecondFactor = ({ onDone, onSignOut }: { onDone: () => void; onSignOut: () => void }) => {
  const [codes, setCodes] = useState<string[] | null>(null);
  return (
    <Container size="sm" py="xl">
      <Card withBorder component="main" aria-label="Set up two-step sign-in">
        <Stack>
          <Title order={1} size="h3">
            Set up two-step sign-in
          </Title>
          <Text>
            Your organization asks owners and billing staff to sign in with a code from their phone as well as
            their password. It takes a minute.
          </Text>
          {codes ? (
            <>
              <RecoveryCodesList codes={codes} />
              <Button onClick={onDone}>I have kept my codes: continue</Button>
            </>
          ) : (
            <SecondFactorSetupSteps onEnabled={setCodes} />
          )}
          <Button variant="subtle" onClick={onSignOut}>
            Sign out
          </Button>
        </Stack>
      </Card>
    </Container>
  );
};

/** The signed-in app: one query cache and one router per session, so nothing of one person leaks to the next. */
const SignedIn = ({
  me,
  onSignOut,
  onReload,
  onMoved,
}: {
  me: MeT;
  onSignOut: () => void;
  onReload: () => void;
  onMoved: (me: MeT, hash: string) => void;
}) => {
  const queryClient = useMemo(() => createQueryClient(), []);
  const router = useMemo(() => createAppRouter(me), [me]);
  return (
    <QueryClientProvider client={queryClient}>
      <MeContext.Provider value={me}>
        <SignOutContext.Provider value={onSignOut}>
          <MoveSessionContext.Provider value={onMoved}>
            {me.secondFactorSetupNeeded ? (
              <RequiredSecondFactor onDone={onReload} onSignOut={onSignOut} />
            ) : (
              <LiveProvider enabled={me.permissions.includes('events.read')}>
                <RouterProvider router={router} />
              </LiveProvider>
            )}
          </MoveSessionContext.Provider>
        </SignOutContext.Provider>
      </MeContext.Provider>
    </QueryClientProvider>
  );
};

/** The token of a link from an e-mail (#/reset-password?token=…, #/accept-invitation?token=…), when that was opened. */
const linkTokenOf = (hash: string, page: string) =>
  hash.startsWith(`#/${page}`) ? new URLSearchParams(hash.split('?')[1] ?? '').get('token') : null;

export const App = () => {
  const [me, setMe] = useState<MeT | null | undefined>(undefined);
  const [resetToken, setResetToken] = useState(() => linkTokenOf(window.location.hash, 'reset-password'));
  const [inviteToken, setInviteToken] = useState(() =>
    linkTokenOf(window.location.hash, 'accept-invitation'),
  );
  const [signupToken, setSignupToken] = useState(() => linkTokenOf(window.location.hash, 'finish-sign-up'));
  const [signingUp, setSigningUp] = useState(() => window.location.hash.startsWith('#/sign-up'));
  useEffect(() => {
    loadMe().then(setMe, () => setMe(null));
  }, []);
  if (signupToken)
    return (
      <FinishSignUp
        token={signupToken}
        onOpened={(owner) => {
          // A new organization starts in the setup wizard.
          window.location.hash = '#/setup';
          setSignupToken(null);
          setMe(owner);
        }}
      />
    );
  if (resetToken)
    return (
      <ResetPassword
        token={resetToken}
        onDone={() => {
          window.location.hash = '#/';
          setResetToken(null);
          setMe(null);
        }}
      />
    );
  if (inviteToken)
    return (
      <AcceptInvitation
        token={inviteToken}
        onJoined={(joined) => {
          window.location.hash = '#/';
          setInviteToken(null);
          setMe(joined);
        }}
      />
    );
  if (me === undefined) return <p className="loading">Loading…</p>;
  if (me === null)
    return signingUp ? (
      <SignUp
        onBack={() => {
          window.location.hash = '#/';
          setSigningUp(false);
        }}
      />
    ) : (
      <Login onSignedIn={setMe} onSignUp={() => setSigningUp(true)} />
    );
  return (
    <SignedIn
      // Another organization is another app: its own cache, router and live stream.
      key={me.user?.id ?? me.organization.id}
      me={me}
      onSignOut={() => signOut().then(() => setMe(null))}
      onReload={() => loadMe().then(setMe, () => setMe(null))}
      onMoved={(next, hash) => {
        window.location.hash = hash;
        setMe(next);
      }}
    />
  );
};
