import { type FormEvent, type InputHTMLAttributes, type ReactNode, useEffect, useState } from 'react';
import type { z } from 'zod';
import type { InvitationPreview } from '../../../../src/contracts/auth';
import { passwordProblems } from '../../../../src/core/password-policy';
import { ROLE_WORDS } from '../../../../src/core/roles';
import { ApiError, api, type MeT, moveTo, signIn } from '../shared/api';

/** The signed-out pages: a card with the product's name, the page's form, and links between them. */
export const Card = ({ children }: { children: ReactNode }) => (
  <main className="login">
    <h1>Closeout</h1>
    <p className="tagline">From “job done” to “invoice sent” the same day.</p>
    {children}
  </main>
);

export const useBusy = () => {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not reach the server');
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, run, setError };
};

/** A labelled input of the signed-out pages (plain HTML, styled by .login). */
export const Field = ({
  label,
  onChange,
  ...input
}: { label: string; value: string; onChange: (value: string) => void } & Omit<
  InputHTMLAttributes<HTMLInputElement>,
  'value' | 'onChange'
>) => (
  <label>
    {label}
    <input {...input} onChange={(e) => onChange(e.target.value)} />
  </label>
);

/** The end of every signed-out form: what went wrong, if anything, and the button that says it is busy. */
export const SubmitRow = ({
  error,
  busy,
  label,
  busyLabel,
  disabled = false,
}: {
  error: string | null;
  busy: boolean;
  label: string;
  busyLabel: string;
  disabled?: boolean;
}) => (
  <>
    {error && (
      <p role="alert" className="error">
        {error}
      </p>
    )}
    <button type="submit" disabled={busy || disabled}>
      {busy ? busyLabel : label}
    </button>
  </>
);

/** A new password, checked as it is typed by the same policy the server applies. */
export const NewPasswordField = ({
  label,
  value,
  onChange,
  email,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  email?: string;
}) => {
  const problems = value ? passwordProblems(value, email) : [];
  return (
    <>
      <Field
        label={label}
        type="password"
        autoComplete="new-password"
        value={value}
        onChange={onChange}
        required
      />
      {problems.length > 0 && <p className="hint">The password {problems.join(', ')}.</p>}
    </>
  );
};

/**
 * Sign in: e-mail and password, then, for a person with two-step sign-in, the code from their app (or a
 * recovery code) on a second step. The password stays in this page's memory between the two.
 */
export const Login = ({ onSignedIn, onSignUp }: { onSignedIn: (me: MeT) => void; onSignUp: () => void }) => {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [step, setStep] = useState<'password' | 'code' | 'forgot'>('password');
  const { error, busy, run, setError } = useBusy();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    return run(async () => {
      try {
        onSignedIn(await signIn(email, password, step === 'code' ? code : undefined));
      } catch (err) {
        if (err instanceof ApiError && err.code === 'second_factor_required') {
          setStep('code');
          return;
        }
        throw err;
      }
    });
  };
  if (step === 'forgot')
    return (
      <ForgotPassword
        email={email}
        onBack={() => {
          setError(null);
          setStep('password');
        }}
      />
    );
  if (step === 'code')
    return (
      <Card>
        <form onSubmit={submit} aria-label="Two-step sign-in">
          <p>Open your authenticator app and enter the six-digit code for Closeout.</p>
          <Field
            label="Code"
            autoComplete="one-time-code"
            inputMode="text"
            value={code}
            onChange={setCode}
            required
            maxLength={32}
          />
          <p className="hint">No phone? Enter one of your recovery codes instead.</p>
          <SubmitRow error={error} busy={busy} label="Sign in" busyLabel="Checking…" />
        </form>
        <p>
          <button
            type="button"
            className="link-button"
            onClick={() => {
              setCode('');
              setError(null);
              setStep('password');
            }}
          >
            Back
          </button>
        </p>
      </Card>
    );
  return (
    <Card>
      <form onSubmit={submit} aria-label="Sign in">
        <Field
          label="E-mail"
          type="email"
          autoComplete="username"
          value={email}
          onChange={setEmail}
          required
        />
        <Field
          label="Password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={setPassword}
          required
        />
        <SubmitRow error={error} busy={busy} label="Sign in" busyLabel="Signing in…" />
      </form>
      <p>
        <button
          type="button"
          className="link-button"
          onClick={() => {
            setError(null);
            setStep('forgot');
          }}
        >
          Forgot your password?
        </button>
      </p>
      <p>
        New to Closeout?{' '}
        <button type="button" className="link-button" onClick={onSignUp}>
          Open your business
        </button>
      </p>
    </Card>
  );
};

/** "Forgot password": the same answer whether or not the address has an account. */
const ForgotPassword = ({ email: initial, onBack }: { email: string; onBack: () => void }) => {
  const [email, setEmail] = useState(initial);
  const [sent, setSent] = useState<string | null>(null);
  const { error, busy, run } = useBusy();
  return (
    <Card>
      <form
        aria-label="Forgot password"
        onSubmit={(e) => {
          e.preventDefault();
          return run(async () => {
            const res = await api<{ message: string }>('POST', '/api/v1/auth/password-reset', { email });
            setSent(res.message);
          });
        }}
      >
        <p>Enter the e-mail address you sign in with. We will send you a link to choose a new password.</p>
        <Field
          label="E-mail"
          type="email"
          autoComplete="username"
          value={email}
          onChange={setEmail}
          required
        />
        {sent && <p role="status">{sent}</p>}
        <SubmitRow
          error={error}
          busy={busy}
          label="Send the link"
          busyLabel="Sending…"
          disabled={sent !== null}
        />
      </form>
      <p>
        <button
          type="button"
          className="link-button"
          onClick={() => {
            onBack();
          }}
        >
          Back to sign in
        </button>
      </p>
    </Card>
  );
};

/** The page the reset e-mail's link opens: choose a new password, checked by the same policy as the server's. */
export const ResetPassword = ({ token, onDone }: { token: string; onDone: () => void }) => {
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [done, setDone] = useState(false);
  const { error, busy, run, setError } = useBusy();
  if (done)
    return (
      <Card>
        <p role="status">Your password is changed, and every place you were signed in has been signed out.</p>
        <button type="button" onClick={onDone}>
          Sign in
        </button>
      </Card>
    );
  return (
    <Card>
      <form
        aria-label="Choose a new password"
        onSubmit={(e) => {
          e.preventDefault();
          if (password !== repeat) {
            setError('The two passwords are not the same');
            return;
          }
          return run(async () => {
            await api('POST', '/api/v1/auth/password-reset/complete', { token, password });
            setDone(true);
          });
        }}
      >
        <p>Choose a new password: at least 12 characters.</p>
        <NewPasswordField label="New password" value={password} onChange={setPassword} />
        <Field
          label="The same again"
          type="password"
          autoComplete="new-password"
          value={repeat}
          onChange={setRepeat}
          required
        />
        <SubmitRow error={error} busy={busy} label="Save the new password" busyLabel="Saving…" />
      </form>
    </Card>
  );
};

type InvitationPreviewT = z.infer<typeof InvitationPreview>;

const rolesWords = (roles: InvitationPreviewT['roles']) =>
  roles
    .map((r) => ROLE_WORDS[r])
    .join(' and ')
    .toLowerCase();

/**
 * An invitation to an address that already has a Closeout account (they work for another organization too):
 * they sign in with the password they have (and their code), and join with that account.
 */
const JoinWithAccount = ({
  token,
  invitation,
  onJoined,
}: {
  token: string;
  invitation: InvitationPreviewT;
  onJoined: (me: MeT) => void;
}) => {
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [needsCode, setNeedsCode] = useState(false);
  const { error, busy, run } = useBusy();
  return (
    <Card>
      <form
        aria-label="Join with your account"
        onSubmit={(e) => {
          e.preventDefault();
          return run(async () => {
            try {
              await signIn(invitation.email, password, needsCode ? code : undefined);
            } catch (err) {
              if (err instanceof ApiError && err.code === 'second_factor_required') {
                setNeedsCode(true);
                return;
              }
              throw err;
            }
            onJoined(await moveTo(`/api/v1/auth/invitations/${encodeURIComponent(token)}/accept`));
          });
        }}
      >
        <p>
          <strong>{invitation.organizationName}</strong> invites you to join them on Closeout as{' '}
          {rolesWords(invitation.roles)}.
        </p>
        <p>
          You already have a Closeout account as {invitation.email}. Sign in with its password to join: you
          keep one password for every organization you work with, and switch between them from the account
          menu.
        </p>
        <Field
          label="Your Closeout password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={setPassword}
          required
        />
        {needsCode && (
          <Field
            label="Code from your authenticator app"
            autoComplete="one-time-code"
            value={code}
            onChange={setCode}
            required
            maxLength={32}
          />
        )}
        <SubmitRow error={error} busy={busy} label="Sign in and join" busyLabel="Joining…" />
      </form>
    </Card>
  );
};

/** The page an invitation e-mail's link opens: who invites them, then their name and their own password. */
export const AcceptInvitation = ({ token, onJoined }: { token: string; onJoined: (me: MeT) => void }) => {
  const [invitation, setInvitation] = useState<InvitationPreviewT | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const { error, busy, run } = useBusy();
  useEffect(() => {
    api<InvitationPreviewT>('GET', `/api/v1/public/invitations/${encodeURIComponent(token)}`).then(
      (i) => {
        setInvitation(i);
        setName(i.name);
      },
      (err) => setLoadError(err instanceof ApiError ? err.message : 'Could not reach the server'),
    );
  }, [token]);
  if (loadError)
    return (
      <Card>
        <p role="alert" className="error">
          {loadError}. Ask whoever invited you to send it again.
        </p>
      </Card>
    );
  if (!invitation)
    return (
      <Card>
        <p>Loading your invitation…</p>
      </Card>
    );
  if (invitation.hasAccount)
    return <JoinWithAccount token={token} invitation={invitation} onJoined={onJoined} />;
  return (
    <Card>
      <form
        aria-label="Join your team"
        onSubmit={(e) => {
          e.preventDefault();
          return run(async () => {
            await api('POST', `/api/v1/public/invitations/${encodeURIComponent(token)}/accept`, {
              password,
              name,
            });
            onJoined(await signIn(invitation.email, password));
          });
        }}
      >
        <p>
          <strong>{invitation.organizationName}</strong> invites you to Closeout as{' '}
          {rolesWords(invitation.roles)}. You will sign in as {invitation.email}.
        </p>
        <Field label="Your name" autoComplete="name" value={name} onChange={setName} required />
        <NewPasswordField
          label="Choose a password"
          value={password}
          onChange={setPassword}
          email={invitation.email}
        />
        <SubmitRow error={error} busy={busy} label="Join and sign in" busyLabel="Joining…" />
      </form>
    </Card>
  );
};
