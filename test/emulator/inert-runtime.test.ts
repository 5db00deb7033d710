/**
 * `containerRuntime: 'inert'`: containers without processes, for scale tests and the benchmark's thousands of
 * waiting groups. A group runs (Running, no pid, no output) until it is stopped or deleted, and counts against
 * the quotas like any other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../dev/emulator';
import { FAST, RG, SUBSCRIPTION, nodeGroup, sdkClient, snapshotOf } from './helpers';

describe('ACI emulator: inert containers', () => {
  let emulator: Emulator;
  let client: ReturnType<typeof sdkClient>;
  beforeAll(async () => {
    emulator = await startEmulator({ containerRuntime: 'inert' });
    client = sdkClient(emulator);
  });
  afterAll(() => emulator.close());

  it('a container runs without a process until it is stopped or deleted', async () => {
    // the command would exit at once: an inert container does not run it
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'inert', nodeGroup('process.exit(3)'), FAST);
    const running = snapshotOf(emulator, 'inert');
    expect(running.containers[0]).toMatchObject({ state: 'Running' });
    expect(running.containers[0]?.pid).toBeUndefined();
    expect(emulator.usage(SUBSCRIPTION, 'eastus').containerGroups).toBe(1);
    const logs = await client.containers.listLogs(RG, 'inert', 'main');
    expect(logs.content ?? '').toBe('');

    await client.containerGroups.stop(RG, 'inert');
    const group = await client.containerGroups.get(RG, 'inert');
    expect(group.containers[0]?.instanceView?.currentState).toMatchObject({
      state: 'Terminated',
      exitCode: 143,
    });

    await client.containerGroups.beginDeleteAndWait(RG, 'inert', FAST);
    expect(emulator.groups()).toEqual([]);
  });

  it('killProcesses() (a forced exit) has nothing to kill: the inert container stays Running', async () => {
    await client.containerGroups.beginCreateOrUpdateAndWait(
      RG,
      'inert-kill',
      nodeGroup('process.exit(3)'),
      FAST,
    );
    emulator.killProcesses();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(snapshotOf(emulator, 'inert-kill').containers[0]).toMatchObject({ state: 'Running' });
    await client.containerGroups.beginDeleteAndWait(RG, 'inert-kill', FAST);
  });

  it('an unknown runtime is refused', async () => {
    await expect(startEmulator({ env: { ACI_EMULATOR_CONTAINER_RUNTIME: 'docker' } })).rejects.toThrow(
      /must be "process" or "inert"/,
    );
  });
});
