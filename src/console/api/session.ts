/**
 * The signed-in tenant's API key, kept in sessionStorage: it lives as long as the browser tab, is never put in
 * a URL, a cookie or localStorage, and is sent only in the Authorization header of this origin's API calls.
 */
export interface Session {
  key: string;
  tenant: string;
}

const STORAGE_KEY = 'aci-batch.console.session';

export function loadSession(): Session | undefined {
  try {
    const stored = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as Partial<Session> | null;
    return stored?.key && stored.tenant ? { key: stored.key, tenant: stored.tenant } : undefined;
  } catch {
    return undefined;
  }
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
}

export function clearSession(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}
