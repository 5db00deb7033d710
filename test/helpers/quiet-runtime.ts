/** Test processes keep the Temporal runtime's log to warnings and errors, so test output stays readable. */
import { DefaultLogger, Runtime } from '@temporalio/worker';

Runtime.install({ logger: new DefaultLogger('WARN') });
