/**
 * The workflow interceptor modules every worker bundle carries (the metrics interceptors), and a bundler for
 * processes that bundle ahead (tests, the benchmark). A bundle with these modules needs a worker that
 * registers their sink (createWorker does); with tracing, it also needs the OpenTelemetry plugin's sink.
 */
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { Logger } from '@temporalio/common';
import type { Tracing } from './tracing';

// no extension: webpack picks .ts (tsx, vitest) or .js (the build), and vitest's require.resolve would not
export const WORKFLOW_INTERCEPTOR_MODULES: readonly string[] = [
  join(__dirname, '..', 'workflows', 'interceptors'),
];

/** Bundles src/workflows with the project's interceptors (and OpenTelemetry's, with tracing); returns the code. */
export async function bundleWorkflows(options: { tracing?: Tracing; logger?: Logger } = {}): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: join(__dirname, '..', 'workflows'),
    workflowInterceptorModules: [...WORKFLOW_INTERCEPTOR_MODULES],
    plugins: options.tracing ? [options.tracing.plugin] : [],
    logger: options.logger,
  });
  return code;
}
