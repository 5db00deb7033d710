/**
 * Sign-in with the tenant's API key: the key is checked against the API (GET /v1/whoami, which also names the
 * tenant) and then kept in this tab's sessionStorage only.
 */
import { useState, type FormEvent } from 'react';
import { ApiProblem, createApi } from '../api/client';
import type { Session } from '../api/session';

export function SignIn({
  onSignedIn,
  expired,
}: {
  onSignedIn: (session: Session) => void;
  expired: boolean;
}) {
  const [key, setKey] = useState('');
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) return setProblem('Enter your API key.');
    setBusy(true);
    setProblem(undefined);
    try {
      const { tenant } = await createApi(trimmed, () => undefined).get<{ tenant: string }>('/v1/whoami');
      onSignedIn({ key: trimmed, tenant });
    } catch (error) {
      setProblem(
        error instanceof ApiProblem && error.status === 401
          ? 'This API key is not valid. Check it and try again.'
          : `Could not sign in: ${(error as Error).message}`,
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" className="sign-in">
      <h1>aci-batch console</h1>
      <p>Batch jobs on Azure Container Instances. Sign in with your tenant&apos;s API key.</p>
      {expired && (
        <p className="note" role="status">
          The API no longer accepts the key this tab had; sign in again.
        </p>
      )}
      <form onSubmit={(event) => void submit(event)} noValidate>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={key}
          onChange={(event) => setKey(event.target.value)}
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? 'sign-in-problem key-hint' : 'key-hint'}
          required
        />
        <p id="key-hint" className="hint">
          Kept in this browser tab only, until you sign out or close it.
        </p>
        {problem && (
          <p id="sign-in-problem" className="error" role="alert">
            {problem}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
