import { createContext, useContext } from 'react';
import type { Api } from '../api/client';
import type { Capabilities } from '../api/capabilities';

/** What every page of a signed-in console uses: the API as this tenant, and what the API offers. */
export interface ConsoleContextValue {
  api: Api;
  tenant: string;
  capabilities: Capabilities;
  /**
   * The API answered `StorageNotConfigured` (it keeps no log archive or outputs): from then on the console
   * shows the log tails the runs kept and no outputs, and asks no more.
   */
  storageMissing: boolean;
  markStorageMissing: () => void;
}

export const ConsoleContext = createContext<ConsoleContextValue | undefined>(undefined);

export function useConsole(): ConsoleContextValue {
  const value = useContext(ConsoleContext);
  if (!value) throw new Error('useConsole outside a signed-in console');
  return value;
}
