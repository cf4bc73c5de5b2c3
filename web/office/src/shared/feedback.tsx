import { Alert } from '@mantine/core';
import { type ReactNode, useState } from 'react';
import { messageOf } from './refusal';

/** What a failed call says to a person. */
export { messageOf };

/** What an action said: its success (green, a status; closable when onCloseNotice is given) and its error (red, an alert). */
export const Feedback = ({
  notice,
  error,
  onCloseNotice,
}: {
  notice?: string | null;
  error?: string | null;
  onCloseNotice?: () => void;
}) => (
  <>
    {notice && (
      <Alert
        color="green"
        role="status"
        {...(onCloseNotice ? { withCloseButton: true, onClose: onCloseNotice } : {})}
      >
        {notice}
      </Alert>
    )}
    {error && (
      <Alert color="red" role="alert">
        {error}
      </Alert>
    )}
  </>
);

/** A form's submit state: busy, the server's refusal (naming the field), or a saved notice. */
export const useSubmit = () => {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const run = async (fn: () => Promise<string>) => {
    setBusy(true);
    setError(null);
    setSaved(null);
    try {
      setSaved(await fn());
      return true;
    } catch (err) {
      setError(messageOf(err));
      return false;
    } finally {
      setBusy(false);
    }
  };
  const feedback: ReactNode = <Feedback notice={saved} error={error} />;
  return { busy, run, feedback, error, setError };
};
