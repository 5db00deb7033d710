/**
 * Submit a job: a spec editor (YAML or JSON) checked as you type with the API's own schema and words, the
 * examples to start from, and the API's answer (its field problems, should it still refuse).
 */
import { useDeferredValue, useMemo, useState } from 'react';
import { useConsole } from '../app/context';
import { navigate } from '../app/use-route';
import { ApiProblem } from '../api/client';
import type { SubmitAnswer } from '../api/types';
import { instanceCount } from '../../shared/job-spec';
import { EXAMPLES, exampleFor } from './examples';
import { checkSpec, type SpecProblem } from './spec-check';

export function SubmitPage() {
  const { api, tenant } = useConsole();
  const [exampleName, setExampleName] = useState(EXAMPLES[0]?.name ?? '');
  const [text, setText] = useState(() => (EXAMPLES[0] ? exampleFor(EXAMPLES[0], tenant) : ''));
  const [refusal, setRefusal] = useState<{ message: string; problems: SpecProblem[] }>();
  const [busy, setBusy] = useState(false);
  const deferred = useDeferredValue(text);
  const check = useMemo(() => checkSpec(deferred, tenant), [deferred, tenant]);
  const problems = refusal?.problems.length ? refusal.problems : check.problems;

  const loadExample = () => {
    const example = EXAMPLES.find((candidate) => candidate.name === exampleName);
    if (example) edit(exampleFor(example, tenant));
  };
  const edit = (next: string) => {
    setText(next);
    setRefusal(undefined);
  };
  const submit = async () => {
    const current = checkSpec(text, tenant);
    if (!current.body || current.problems.length) return;
    setBusy(true);
    try {
      const answer = await api.post<SubmitAnswer>('/v1/jobs', current.body);
      navigate({ page: 'job', jobId: answer.jobId });
    } catch (error) {
      const problem = error instanceof ApiProblem ? error : undefined;
      setRefusal({
        message: problem ? `The API refused the job: ${problem.message}` : (error as Error).message,
        problems: problem?.fieldProblems ?? [],
      });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="submit-title">
      <h1 id="submit-title">Submit a job</h1>
      <form className="filters" onSubmit={(event) => event.preventDefault()}>
        <label>
          Start from an example
          <select value={exampleName} onChange={(event) => setExampleName(event.target.value)}>
            {EXAMPLES.map((example) => (
              <option key={example.name}>{example.name}</option>
            ))}
          </select>
        </label>
        <button type="button" onClick={loadExample}>
          Load example
        </button>
      </form>
      <div className="submit-layout">
        <div className="editor">
          <label htmlFor="spec">Job spec (YAML or JSON)</label>
          <textarea
            id="spec"
            value={text}
            onChange={(event) => edit(event.target.value)}
            spellCheck={false}
            autoCapitalize="off"
            autoCorrect="off"
            rows={18}
            aria-invalid={problems.length > 0}
            aria-describedby="spec-check"
          />
        </div>
        <div id="spec-check" aria-live="polite">
          {refusal && (
            <p className="error" role="alert">
              {refusal.message}
            </p>
          )}
          {problems.length > 0 ? (
            <>
              <h2 className="problems-title">
                {problems.length === 1 ? '1 problem' : `${problems.length} problems`} to fix
              </h2>
              <ul className="problems" data-testid="spec-problems">
                {problems.map((problem, i) => (
                  <li key={`${problem.path}-${i}`}>
                    <code>{problem.path}</code>
                    {problem.line !== undefined && <span className="hint"> (line {problem.line})</span>}:{' '}
                    <span>{problem.message}</span>
                  </li>
                ))}
              </ul>
            </>
          ) : (
            check.spec && (
              <p className="ok" data-testid="spec-ok">
                Valid: {instanceCount(check.spec).toLocaleString()} × <code>{check.spec.image}</code> (
                {check.spec.cpu} vCPU, {check.spec.memoryGB} GB each)
              </p>
            )
          )}
        </div>
      </div>
      <button type="button" disabled={busy || problems.length > 0} onClick={() => void submit()}>
        {busy ? 'Submitting…' : 'Submit job'}
      </button>
    </section>
  );
}
