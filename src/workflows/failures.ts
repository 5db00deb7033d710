/**
 * Readable text for failures: Temporal wraps the useful message ("image not found") in layers
 * ("Activity task failed", "Child Workflow execution failed"); the innermost cause says what happened.
 */
import { rootCause } from '@temporalio/workflow';
import { capMessage } from './history-limits';

export function describeFailure(error: unknown): string {
  return capMessage(rootCause(error) ?? String(error)) ?? '';
}
