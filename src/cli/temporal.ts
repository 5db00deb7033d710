/**
 * The CLI's connection to Temporal, like the `temporal` CLI's: address, namespace and task queue from the
 * environment (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE), payload keys like the workers'
 * (ACI_BATCH_PAYLOAD_KEYS), closed when the command is done.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import { Client, Connection, isGrpcServiceError } from '@temporalio/client';
import { isTemporalUnavailable, JobClient } from '../client';
import { loadTemporalConfig, type TemporalConfig } from '../config';
import type { JobSettings } from '../shared/job-settings';
import { dataConverterFromEnv } from '../security/data-converter';
import { CliError, EXIT } from './errors';

export interface TemporalSession {
  jobs: JobClient;
  config: TemporalConfig;
}

/** Long enough for a remote server, short enough that a missing one is reported promptly. */
const CONNECT_TIMEOUT = '5s';

const START_HINT =
  'Start a local server with `npm run server`, or set TEMPORAL_ADDRESS to the host:port of yours.';

/**
 * Runs `use` with a job client on the configured namespace; "cannot reach Temporal" becomes exit code 4.
 * `settings` (how containers report back) matter only to commands that submit.
 */
export async function withTemporal<T>(
  use: (session: TemporalSession) => Promise<T>,
  settings?: JobSettings,
): Promise<T> {
  // settings first: a bad variable is a usage error (2), whether or not a server answers
  const config = loadTemporalConfig();
  // payloads are encrypted when ACI_BATCH_PAYLOAD_KEYS is set: the CLI must read them as workers write them
  const dataConverter = dataConverterFromEnv();
  const unreachable = (reason: string) =>
    new CliError(`Cannot reach Temporal at ${config.address}: ${reason}.`, EXIT.unreachable, START_HINT);
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: config.address, connectTimeout: CONNECT_TIMEOUT });
  } catch (error) {
    throw unreachable((error as Error).message);
  }
  try {
    const client = new Client({ connection, namespace: config.namespace, dataConverter });
    await ensureNamespace(client, config);
    return await use({ jobs: new JobClient(client, { taskQueue: config.taskQueue, settings }), config });
  } catch (error) {
    if (isTemporalUnavailable(error)) throw unreachable('the server stopped answering');
    throw error;
  } finally {
    await connection.close();
  }
}

/** Checked up front: otherwise a missing namespace surfaces as a puzzling "workflow not found". */
async function ensureNamespace(client: Client, config: TemporalConfig): Promise<void> {
  try {
    await client.workflowService.describeNamespace({ namespace: config.namespace });
  } catch (error) {
    if (!isGrpcServiceError(error) || error.code !== GrpcStatus.NOT_FOUND) throw error;
    throw new CliError(
      `The Temporal server at ${config.address} has no namespace "${config.namespace}".`,
      EXIT.unreachable,
      '`npm run server` creates the namespace and its search attributes; or set TEMPORAL_NAMESPACE.',
    );
  }
}
