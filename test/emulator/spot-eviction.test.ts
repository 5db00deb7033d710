/**
 * Spot evictions through the real SDK over HTTPS: what `containerGroups.get` shows of an evicted group (and
 * how that differs from an ordinary exit), the platform's restart, groups that stay evicted, Regular groups
 * refused, automatic evictions per account.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { ContainerGroup } from '@azure/arm-containerinstance';
import { startEmulator, type Emulator } from '../../dev/emulator';
import { waitFor } from '../helpers/wait';
import { FAST, RG, RUN_FOREVER, isAlive, nodeGroup, sdkClient, snapshotOf } from './helpers';

function spot(location: string, script = RUN_FOREVER): ContainerGroup {
  return nodeGroup(script, { location, priority: 'Spot' });
}

describe('ACI emulator: Spot evictions', () => {
  let emulator: Emulator;
  let client: ReturnType<typeof sdkClient>;
  beforeAll(async () => {
    emulator = await startEmulator({ killGraceMs: 200 });
    client = sdkClient(emulator);
  });
  afterAll(async () => {
    await emulator.close();
  });

  const pidOf = (name: string) => snapshotOf(emulator, name).containers[0]?.pid;

  it('an evicted group: Repairing / Pending, its container Waiting with detailStatus Evicted, Evicted warnings; restarted later', async () => {
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'spot-1', spot('eastus2'), FAST);
    const pid = pidOf('spot-1');
    expect(pid).toBeDefined();

    await emulator.evict(RG, 'spot-1', { restartAfterMs: 1_500 });
    expect(isAlive(pid ?? 0)).toBe(false);
    const evicted = await client.containerGroups.get(RG, 'spot-1');
    expect(evicted.provisioningState).toBe('Repairing');
    expect(evicted.instanceView?.state).toBe('Pending');
    expect(evicted.instanceView?.events).toEqual([
      expect.objectContaining({ name: 'Evicted', type: 'Warning', count: 1 }),
    ]);
    expect(evicted.instanceView?.events?.[0]?.message).toMatch(
      /evicted because Azure reclaimed the Spot capacity/,
    );
    const container = evicted.containers[0]?.instanceView;
    expect(container?.currentState).toEqual({ state: 'Waiting', detailStatus: 'Evicted' });
    expect(container?.previousState).toMatchObject({ state: 'Terminated', detailStatus: 'Evicted' });
    expect(container?.previousState?.finishTime).toBeInstanceOf(Date);
    expect(container?.events?.map((e) => [e.name, e.type])).toEqual(
      expect.arrayContaining([
        ['Killing', 'Normal'],
        ['Evicted', 'Warning'],
      ]),
    );
    expect(snapshotOf(emulator, 'spot-1')).toMatchObject({ evicted: true, state: 'Pending' });
    // evicted: the capacity is gone, so no Spot cores are held (the group still counts as a group)
    const usages = new Map<string, number | undefined>();
    for await (const usage of client.location.listUsage('eastus2')) {
      usages.set(usage.name?.value ?? '', usage.currentValue);
    }
    expect(usages.get('StandardSpotCores')).toBe(0);
    expect(usages.get('ContainerGroups')).toBe(1);

    // the platform restarts it when capacity returns
    const restarted = await waitFor('spot-1 to run again', async () => {
      const group = await client.containerGroups.get(RG, 'spot-1');
      return group.instanceView?.state === 'Running' && group.provisioningState === 'Succeeded' && group;
    });
    const after = restarted.containers[0]?.instanceView;
    expect(after?.currentState?.state).toBe('Running');
    expect(after?.restartCount).toBe(1);
    expect(after?.previousState).toMatchObject({ state: 'Terminated', detailStatus: 'Evicted' });
    expect(after?.events?.map((e) => e.name)).toEqual(expect.arrayContaining(['Evicted', 'Started']));
    const newPid = pidOf('spot-1');
    expect(newPid).toBeDefined();
    expect(newPid).not.toBe(pid);
    expect(isAlive(newPid ?? 0)).toBe(true);
    expect(snapshotOf(emulator, 'spot-1').evicted).toBeUndefined();
  });

  it('an ordinary exit looks different: Terminated with an exit code, detailStatus Completed, no Evicted event', async () => {
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'spot-exit', spot('eastus2', '0'), FAST);
    const group = await waitFor('spot-exit to end', async () => {
      const g = await client.containerGroups.get(RG, 'spot-exit');
      return g.instanceView?.state === 'Succeeded' && g;
    });
    expect(group.provisioningState).toBe('Succeeded');
    expect(group.instanceView?.events).toEqual([]);
    expect(group.containers[0]?.instanceView?.currentState).toMatchObject({
      state: 'Terminated',
      exitCode: 0,
      detailStatus: 'Completed',
    });
    // nothing runs any more: nothing to evict
    await expect(emulator.evict(RG, 'spot-exit')).rejects.toThrow(/only a running group can be evicted/);
  });

  it('without restartAfterMs the group stays evicted until deleted', async () => {
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'spot-2', spot('westus'), FAST);
    await emulator.evict(RG, 'spot-2');
    await expect(emulator.evict(RG, 'spot-2')).rejects.toThrow(/already evicted/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const group = await client.containerGroups.get(RG, 'spot-2');
    expect(group.instanceView?.state).toBe('Pending');
    expect(group.containers[0]?.instanceView?.currentState?.detailStatus).toBe('Evicted');
    await client.containerGroups.beginDeleteAndWait(RG, 'spot-2');
    expect(emulator.groups().some((g) => g.name === 'spot-2')).toBe(false);
  });

  it('a client can move on: stop ends the wait (Stopped), start runs it again', async () => {
    await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'spot-3', spot('westeurope'), FAST);
    await emulator.evict(RG, 'spot-3', { restartAfterMs: 1_000 });
    await client.containerGroups.stop(RG, 'spot-3');
    // the platform's restart no longer comes
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const stopped = await client.containerGroups.get(RG, 'spot-3');
    expect(stopped.instanceView?.state).toBe('Stopped');
    await client.containerGroups.beginStartAndWait(RG, 'spot-3', FAST);
    expect((await client.containerGroups.get(RG, 'spot-3')).instanceView?.state).toBe('Running');
  });

  it('a Regular group cannot be evicted, nor a group that does not exist', async () => {
    await client.containerGroups.beginCreateOrUpdateAndWait(
      RG,
      'regular-1',
      nodeGroup(RUN_FOREVER, { location: 'eastus2' }),
      FAST,
    );
    await expect(emulator.evict(RG, 'regular-1')).rejects.toThrow(
      "Only Spot container groups can be evicted: 'regular-1' has priority 'Regular'",
    );
    expect(snapshotOf(emulator, 'regular-1').state).toBe('Running');
    await expect(emulator.evict(RG, 'no-such-group')).rejects.toThrow(/No container group 'no-such-group'/);
  });

  it('spotEvictions per account: Spot groups are evicted after afterMs and restarted after restartAfterMs', async () => {
    emulator.configureAccount('westus', { spotEvictions: { afterMs: 150, restartAfterMs: 150 } });
    try {
      await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'spot-auto', spot('westus'), FAST);
      await waitFor('spot-auto to be evicted', () => snapshotOf(emulator, 'spot-auto').evicted === true);
      await waitFor(
        'spot-auto to be restarted',
        () => (snapshotOf(emulator, 'spot-auto').containers[0]?.restartCount ?? 0) >= 1,
      );
      const group = await client.containerGroups.get(RG, 'spot-auto');
      expect(group.containers[0]?.instanceView?.previousState?.detailStatus).toBe('Evicted');
    } finally {
      emulator.configureAccount('westus', { spotEvictions: false });
    }
    await client.containerGroups.beginDeleteAndWait(RG, 'spot-auto');
  });
});
