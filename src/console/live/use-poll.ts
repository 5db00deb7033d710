/**
 * A live value: loads at once, then again at the pace of `nextInterval` (fast while it changes, slower while
 * it does not), not at all while the tab is hidden, and no more once `done` says the value is final (an ended
 * job). `refresh()` asks at once, e.g. after the user changed something.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiProblem } from '../api/client';
import { nextInterval, type PollOutcome, type PollPace } from './backoff';

export interface Polled<T> {
  data?: T;
  error?: ApiProblem;
  /** true until the first answer (or error) */
  loading: boolean;
  refresh: () => void;
}

export interface PollOptions<T> extends PollPace {
  /** a final value: stop asking */
  done?: (value: T) => boolean;
}

export function usePoll<T>(
  load: (signal: AbortSignal) => Promise<T>,
  /** what the value depends on: a change starts over */
  key: string,
  options: PollOptions<T>,
): Polled<T> {
  const [state, setState] = useState<{ key: string; data?: T; error?: ApiProblem }>({ key });
  const [generation, setGeneration] = useState(0);
  const latest = useRef({ load, options });
  latest.current = { load, options };

  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let interval = latest.current.options.minMs;
    let previous: string | undefined;
    let stopped = false;

    const tick = async () => {
      timer = undefined;
      if (document.hidden) return; // visibilitychange asks again when the tab is shown
      const { load: loadNow, options: pace } = latest.current;
      let outcome: PollOutcome;
      try {
        const data = await loadNow(abort.signal);
        const text = JSON.stringify(data);
        outcome = { kind: text === previous ? 'unchanged' : 'changed' };
        previous = text;
        setState({ key, data });
        if (pace.done?.(data)) stopped = true;
      } catch (error) {
        if (abort.signal.aborted) return;
        const problem =
          error instanceof ApiProblem ? error : new ApiProblem(0, 'Error', (error as Error).message);
        setState((current) => ({ ...current, key, error: problem }));
        outcome = { kind: 'failed', retryAfterSeconds: problem.retryAfterSeconds };
        // a missing thing or a refused key does not mend itself quickly
        if (problem.status === 401 || problem.status === 403) stopped = true;
      }
      if (stopped || abort.signal.aborted) return;
      interval = nextInterval(interval, outcome, pace, Math.random());
      timer = setTimeout(() => void tick(), interval);
    };
    const onVisible = () => {
      if (!document.hidden && !timer && !stopped) {
        interval = latest.current.options.minMs;
        void tick();
      }
    };
    document.addEventListener('visibilitychange', onVisible);
    void tick();
    return () => {
      abort.abort();
      if (timer) clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [key, generation]);

  const refresh = useCallback(() => setGeneration((n) => n + 1), []);
  const current = state.key === key ? state : { key };
  return {
    data: current.data,
    error: current.error,
    loading: current.data === undefined && current.error === undefined,
    refresh,
  };
}
