/**
 * The CLI's access to the runs' log archive and outputs: the storage account of the deployment
 * (ACI_BATCH_STORAGE_ACCOUNT_URL with Azure AD, or ACI_BATCH_STORAGE_CONNECTION_STRING), read directly, as the
 * CLI reads Temporal directly.
 */
import { loadStorageConfig } from '../storage/config';
import { RunStorage } from '../storage/run-storage';
import { usageError } from './errors';

/** The storage account, or undefined when none is configured (`required`: a usage error instead). */
export function openStorage(required: true): RunStorage;
export function openStorage(required: false): RunStorage | undefined;
export function openStorage(required: boolean): RunStorage | undefined {
  const config = loadStorageConfig();
  if (config) return new RunStorage(config);
  if (!required) return undefined;
  throw usageError(
    "Outputs are kept in the deployment's storage account, and none is configured here.",
    'Set ACI_BATCH_STORAGE_ACCOUNT_URL (Azure AD sign-in) or ACI_BATCH_STORAGE_CONNECTION_STRING, as the worker has it.',
  );
}

/** A stream's text. */
export async function readText(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}
