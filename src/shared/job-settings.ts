/**
 * Settings decided at submission and the same for every instance of a job: how its containers report back,
 * and the prices its cost is computed with. They travel in the job's input, so a job's behaviour and cost never
 * depend on which worker runs or replays it.
 */
import type { AciPrices } from './pricing';

export interface JobSettings {
  /** HTTP callback mode: the callback endpoint's base URL; each run reports to `<base>/runs/<run id>` */
  callbackBaseUrl?: string;
  /** direct-signal mode: where the container's Temporal client connects */
  temporal?: { address: string; namespace: string };
  /** default: DEFAULT_ACI_PRICES */
  prices?: AciPrices;
}
