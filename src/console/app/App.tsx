/**
 * The console's shell: sign-in until the tab has a key, then the header, the navigation and the current page.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { createApi } from '../api/client';
import { loadCapabilities, NO_CAPABILITIES, type Capabilities } from '../api/capabilities';
import { clearSession, loadSession, saveSession, type Session } from '../api/session';
import { CostPage } from '../cost/CostPage';
import { JobPage } from '../job/JobPage';
import { JobsPage } from '../jobs/JobsPage';
import { SchedulesPage } from '../schedules/SchedulesPage';
import { SubmitPage } from '../submit/SubmitPage';
import { ConsoleContext } from './context';
import { hrefOf, type Route } from './routes';
import { SignIn } from './SignIn';
import { useRoute } from './use-route';

export function App() {
  const [session, setSession] = useState<Session | undefined>(loadSession);
  const [expired, setExpired] = useState(false);
  const [capabilities, setCapabilities] = useState<Capabilities>(NO_CAPABILITIES);
  const [storageMissing, setStorageMissing] = useState(false);
  const markStorageMissing = useCallback(() => setStorageMissing(true), []);
  const route = useRoute();

  useEffect(() => {
    void loadCapabilities().then(setCapabilities);
  }, []);

  const signOut = useCallback((becauseRefused = false) => {
    clearSession();
    setSession(undefined);
    setExpired(becauseRefused);
  }, []);
  const signIn = useCallback((next: Session) => {
    saveSession(next);
    setSession(next);
    setExpired(false);
  }, []);
  const api = useMemo(() => session && createApi(session.key, () => signOut(true)), [session, signOut]);
  const context = useMemo(
    () =>
      session &&
      api && {
        api,
        tenant: session.tenant,
        capabilities,
        storageMissing,
        markStorageMissing,
      },
    [session, api, capabilities, storageMissing, markStorageMissing],
  );

  useEffect(() => {
    document.title = `${titleOf(route)} · aci-batch console`;
  }, [route]);

  if (!context) return <SignIn onSignedIn={signIn} expired={expired} />;
  return (
    <ConsoleContext.Provider value={context}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">aci-batch</span>
        <nav aria-label="Console">
          <NavLink route={{ page: 'jobs' }} current={route} label="Jobs" />
          <NavLink route={{ page: 'submit' }} current={route} label="Submit" />
          <NavLink route={{ page: 'cost' }} current={route} label="Cost" />
          {capabilities.schedules && (
            <NavLink route={{ page: 'schedules' }} current={route} label="Schedules" />
          )}
        </nav>
        <span className="tenant" data-testid="tenant">
          Tenant <strong>{context.tenant}</strong>
        </span>
        <button type="button" className="link-button" onClick={() => signOut()}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Page route={route} />
      </main>
    </ConsoleContext.Provider>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'jobs':
      return <JobsPage status={route.status} since={route.since} schedule={route.schedule} />;
    case 'job':
      return <JobPage key={route.jobId} jobId={route.jobId} instance={route.instance} />;
    case 'submit':
      return <SubmitPage />;
    case 'cost':
      return <CostPage period={route.period} />;
    case 'schedules':
      return <SchedulesPage />;
    case 'not-found':
      return (
        <section>
          <h1>Not found</h1>
          <p>
            There is no page <code>{route.path}</code>. <a href={hrefOf({ page: 'jobs' })}>See your jobs</a>.
          </p>
        </section>
      );
  }
}

function NavLink({ route, current, label }: { route: Route; current: Route; label: string }) {
  const active = current.page === route.page || (route.page === 'jobs' && current.page === 'job');
  return (
    <a href={hrefOf(route)} aria-current={active ? 'page' : undefined}>
      {label}
    </a>
  );
}

function titleOf(route: Route): string {
  switch (route.page) {
    case 'job':
      return `Job ${route.jobId}`;
    case 'not-found':
      return 'Not found';
    default:
      return route.page[0]!.toUpperCase() + route.page.slice(1);
  }
}
