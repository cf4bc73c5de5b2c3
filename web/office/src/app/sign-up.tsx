import { useEffect, useState } from 'react';
import type { z } from 'zod';
import type { Country, SignupPreview } from '../../../../src/contracts/auth';
import { ApiError, api, type MeT, signIn } from '../shared/api';
import { Card, Field, NewPasswordField, SubmitRow, useBusy } from './login';

type CountryT = z.infer<typeof Country>;

/** The browser's own country, when it names one Closeout has rates for (en-IE → IE). */
const browserCountry = (countries: CountryT[]) => {
  const region = navigator.language.split('-')[1]?.toUpperCase();
  return countries.find((c) => c.code === region)?.code ?? '';
};

/**
 * Opening a business: its name and country, the owner's name and e-mail. Nothing is created until the
 * e-mailed link proves the address; the answer is the same whether the address has an account or not.
 */
export const SignUp = ({ onBack }: { onBack: () => void }) => {
  const [countries, setCountries] = useState<CountryT[]>([]);
  const [businessName, setBusinessName] = useState('');
  const [country, setCountry] = useState('');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState<string | null>(null);
  const { error, busy, run, setError } = useBusy();
  useEffect(() => {
    api<{ items: CountryT[] }>('GET', '/api/v1/public/countries').then(
      (res) => {
        setCountries(res.items);
        setCountry((c) => c || browserCountry(res.items));
      },
      () => setError('Could not reach the server'),
    );
  }, [setError]);
  const chosen = countries.find((c) => c.code === country);
  if (sent)
    return (
      <Card>
        <p role="status">{sent}</p>
        <p>Open the link in that e-mail within a day to choose your password. Nothing is created before.</p>
        <p>
          <button type="button" className="link-button" onClick={onBack}>
            Back to sign in
          </button>
        </p>
      </Card>
    );
  return (
    <Card>
      <form
        aria-label="Open your business"
        onSubmit={(e) => {
          e.preventDefault();
          return run(async () => {
            const res = await api<{ message: string }>('POST', '/api/v1/organizations', {
              businessName,
              country,
              name,
              email,
            });
            setSent(res.message);
          });
        }}
      >
        <p>Open your business on Closeout. We will e-mail you a link to choose your password.</p>
        <Field
          label="Business name"
          autoComplete="organization"
          value={businessName}
          onChange={setBusinessName}
          required
          maxLength={200}
        />
        <label>
          Country
          <select value={country} onChange={(e) => setCountry(e.target.value)} required>
            <option value="" disabled>
              Choose your country
            </option>
            {countries.map((c) => (
              <option key={c.code} value={c.code}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        {chosen && (
          <p className="hint">
            Invoices in {chosen.currency}
            {chosen.vatRates.length > 0
              ? `, VAT at ${chosen.vatRates.map((r) => `${r} %`).join(', ')} to start with`
              : ', sales tax by jurisdiction'}
            . You can change the rates later.
          </p>
        )}
        <Field label="Your name" autoComplete="name" value={name} onChange={setName} required />
        <Field label="E-mail" type="email" autoComplete="email" value={email} onChange={setEmail} required />
        <SubmitRow error={error} busy={busy} label="Send me the link" busyLabel="Sending…" />
      </form>
      <p>
        Already on Closeout?{' '}
        <button type="button" className="link-button" onClick={onBack}>
          Sign in
        </button>
      </p>
    </Card>
  );
};

/** The page the sign-up e-mail's link opens: the owner chooses a password and the business opens. */
export const FinishSignUp = ({ token, onOpened }: { token: string; onOpened: (me: MeT) => void }) => {
  const [signup, setSignup] = useState<z.infer<typeof SignupPreview> | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const { error, busy, run } = useBusy();
  useEffect(() => {
    api<z.infer<typeof SignupPreview>>('GET', `/api/v1/public/signups/${encodeURIComponent(token)}`).then(
      (s) => {
        setSignup(s);
        setName(s.name);
      },
      (err) => setLoadError(err instanceof ApiError ? err.message : 'Could not reach the server'),
    );
  }, [token]);
  if (loadError)
    return (
      <Card>
        <p role="alert" className="error">
          {loadError}. Sign up again to get a new link.
        </p>
      </Card>
    );
  if (!signup)
    return (
      <Card>
        <p>Loading…</p>
      </Card>
    );
  return (
    <Card>
      <form
        aria-label="Choose your password"
        onSubmit={(e) => {
          e.preventDefault();
          return run(async () => {
            await api('POST', `/api/v1/public/signups/${encodeURIComponent(token)}/complete`, {
              password,
              name,
            });
            onOpened(await signIn(signup.email, password));
          });
        }}
      >
        <p>
          Your address is confirmed. Choose a password to open <strong>{signup.businessName}</strong>. You
          will sign in as {signup.email}.
        </p>
        <Field label="Your name" autoComplete="name" value={name} onChange={setName} required />
        <NewPasswordField
          label="Choose a password"
          value={password}
          onChange={setPassword}
          email={signup.email}
        />
        <SubmitRow error={error} busy={busy} label="Open my business" busyLabel="Opening…" />
      </form>
    </Card>
  );
};
