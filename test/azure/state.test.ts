import type { ContainerGroup } from '@azure/arm-containerinstance';
import { describe, expect, it } from 'vitest';
import { MAX_EVENTS, isProvisioning, missingGroupState, toContainerGroupState } from '../../src/azure/state';

const REF = { resourceGroup: 'rg', name: 'cg1' };

/** A group as the SDK deserialises a real GET: flattened properties, Date times. */
function group(overrides: Partial<ContainerGroup> = {}): ContainerGroup {
  return {
    id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerInstance/containerGroups/cg1',
    name: 'cg1',
    location: 'eastus',
    provisioningState: 'Succeeded',
    osType: 'Linux',
    restartPolicy: 'Never',
    ipAddress: {
      type: 'Public',
      ip: '52.224.24.198',
      fqdn: 'cg1.eastus.azurecontainer.io',
      ports: [{ port: 80 }],
    },
    instanceView: {
      state: 'Succeeded',
      events: [
        {
          count: 1,
          firstTimestamp: new Date('2026-01-01T00:00:01Z'),
          lastTimestamp: new Date('2026-01-01T00:00:01Z'),
          name: 'Pulling',
          message: 'pulling image "node:20"',
          type: 'Normal',
        },
      ],
    },
    containers: [
      {
        name: 'job',
        image: 'node:20',
        resources: { requests: { cpu: 1, memoryInGB: 1.5 } },
        instanceView: {
          restartCount: 1,
          currentState: {
            state: 'Terminated',
            exitCode: 3,
            startTime: new Date('2026-01-01T00:00:05Z'),
            finishTime: new Date('2026-01-01T00:00:09.5Z'),
            detailStatus: 'Error',
          },
          events: [
            {
              count: 2,
              firstTimestamp: new Date('2026-01-01T00:00:02Z'),
              lastTimestamp: new Date('2026-01-01T00:00:04Z'),
              name: 'Started',
              message: 'Started container',
              type: 'Normal',
            },
          ],
        },
      },
    ],
    ...overrides,
  };
}

describe('toContainerGroupState', () => {
  it('normalises a terminated group: states, exit code, ISO times, IP, events oldest first', () => {
    expect(toContainerGroupState(REF, group())).toEqual({
      resourceGroup: 'rg',
      name: 'cg1',
      exists: true,
      provisioningState: 'Succeeded',
      groupState: 'Succeeded',
      container: {
        state: 'Terminated',
        exitCode: 3,
        startTime: '2026-01-01T00:00:05.000Z',
        finishTime: '2026-01-01T00:00:09.500Z',
        detailStatus: 'Error',
        restartCount: 1,
      },
      ip: '52.224.24.198',
      fqdn: 'cg1.eastus.azurecontainer.io',
      events: [
        {
          name: 'Pulling',
          message: 'pulling image "node:20"',
          type: 'Normal',
          count: 1,
          lastTimestamp: '2026-01-01T00:00:01.000Z',
        },
        {
          name: 'Started',
          message: 'Started container',
          type: 'Normal',
          count: 2,
          lastTimestamp: '2026-01-01T00:00:04.000Z',
        },
      ],
    });
  });

  it('reports a group right after its PUT (no instance view yet) as Pending', () => {
    const state = toContainerGroupState(
      REF,
      group({
        provisioningState: 'Creating',
        instanceView: undefined,
        ipAddress: undefined,
        containers: [{ name: 'job', image: 'node:20', resources: { requests: { cpu: 1, memoryInGB: 1 } } }],
      }),
    );
    expect(state.groupState).toBe('Pending');
    expect(state.container).toEqual({ state: 'Unknown', restartCount: 0 });
    expect(state.events).toEqual([]);
    expect(state.ip).toBeUndefined();
  });

  it('maps unknown states to Unknown and keeps only the latest events', () => {
    const events = Array.from({ length: 25 }, (_, i) => ({
      name: `e${i}`,
      lastTimestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
    }));
    const state = toContainerGroupState(
      REF,
      group({ provisioningState: 'Succeeded', instanceView: { state: 'Repairing', events } }),
    );
    expect(state.groupState).toBe('Unknown');
    expect(state.events).toHaveLength(MAX_EVENTS);
    // 26 events merged by time (the container's "Started" at 4 s sorts between e4 and e5): the last 20 remain
    expect(MAX_EVENTS).toBe(20);
    expect(state.events.map((e) => e.name)).toEqual(Array.from({ length: 20 }, (_, i) => `e${i + 5}`));
  });
});

describe('helpers', () => {
  it('tells in-flight provisioning states apart from terminal ones', () => {
    expect(['Pending', 'Creating', 'creating'].map(isProvisioning)).toEqual([true, true, true]);
    expect(['Succeeded', 'Failed', 'Canceled', undefined].map(isProvisioning)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it('describes a missing group', () => {
    expect(missingGroupState(REF)).toEqual({ resourceGroup: 'rg', name: 'cg1', exists: false, events: [] });
  });
});
