/**
 * A MockActivityEnvironment that logs like the tests' quiet Temporal runtime (test/helpers/quiet-runtime.ts):
 * errors only, so the failures the tests provoke on purpose stay out of the output.
 */
import type { Info } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { QUIET_LOG_LEVEL } from '../helpers/quiet-runtime';

export function activityEnv(info?: Partial<Info>): MockActivityEnvironment {
  return new MockActivityEnvironment(info, { logger: new DefaultLogger(QUIET_LOG_LEVEL) });
}
