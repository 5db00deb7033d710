/** The workflow bundle's entry: every workflow the worker runs. */
export { batchJob } from './batchJob';
export { containerRun } from './containerRun';
export { janitor } from './janitor';
export { capacityLedger } from './capacityLedger';
