import type { ApiProblem } from '../api/client';

/** An API error in words, announced to screen readers. */
export function ErrorNote({ error, what }: { error: ApiProblem | undefined; what: string }) {
  if (!error) return null;
  const retrying = error.status === 0 || error.status >= 500;
  return (
    <p className="error" role="alert">
      Could not load {what}: {error.message}
      {retrying && ' Retrying…'}
    </p>
  );
}
