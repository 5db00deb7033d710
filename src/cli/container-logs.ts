/**
 * Reading a running container's log straight from ARM (real ACI, or the emulator with
 * ACI_EMULATOR_ENDPOINT/ACI_EMULATOR_CA_FILE), as `az container logs` does.
 */
import { isRestError } from '@azure/core-rest-pipeline';
import { createAciClientFromConfig, loadAzureConfig } from '../azure/client';
import { ConfigError } from '../config';
import { CONTAINER_NAME } from '../shared/names';
import { usageError } from './errors';

export interface LiveLogRequest {
  groupName: string;
  /** --resource-group, else the job's own (from its memo); else ACI_RESOURCE_GROUP */
  resourceGroup?: string;
  /** the last lines only; default all ACI keeps */
  tail?: number;
  /** each line with its timestamp, as the archive keeps it */
  timestamps?: boolean;
}

/** The log (its last `tail` lines), or undefined when the group does not exist (not created yet, or already removed). */
export async function readLiveLog(request: LiveLogRequest): Promise<string | undefined> {
  let azure;
  try {
    azure = loadAzureConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw usageError(
      `Reading a running container's log needs ARM access. ${error.message}`,
      'Set AZURE_SUBSCRIPTION_ID (Azure) or ACI_EMULATOR_ENDPOINT and ACI_EMULATOR_CA_FILE (the local emulator).',
    );
  }
  const resourceGroup = request.resourceGroup ?? azure.defaultResourceGroup;
  if (!resourceGroup) {
    throw usageError(
      `Which resource group holds container group ${request.groupName}?`,
      "Pass --resource-group, or set ACI_RESOURCE_GROUP to the worker's default resource group.",
    );
  }
  const aci = createAciClientFromConfig(azure);
  try {
    const logs = await aci.containers.listLogs(resourceGroup, request.groupName, CONTAINER_NAME, {
      ...(request.tail !== undefined && { tail: request.tail }),
      ...(request.timestamps && { timestamps: true }),
    });
    return logs.content ?? '';
  } catch (error) {
    if (isRestError(error) && error.statusCode === 404) return undefined;
    throw error;
  }
}
