import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACI_DEFAULT_LIMITS, minMonitorIntervalMs } from '../../src/capacity/config';
import { loadCapacityConfig, parseCapacityConfig } from '../../src/capacity/load';
import { ConfigError } from '../../src/config';

const SUBSCRIPTION = '11111111-2222-3333-4444-555555555555';

function problems(text: string): string {
  try {
    parseCapacityConfig(text, 'capacity.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('capacity configuration', () => {
  it('the example file parses, and an unset file means admission on with ACI defaults', () => {
    const example = loadCapacityConfig({ ACI_BATCH_CAPACITY_FILE: 'examples/capacity/capacity.yaml' });
    expect(example.pools.map((pool) => pool.name)).toEqual([
      'batch-eastus',
      'batch-westus-spot',
      'batch-eastus-warm',
    ]);
    const none = loadCapacityConfig({});
    expect(none).toMatchObject({ admission: true, pools: [], defaults: { limits: ACI_DEFAULT_LIMITS } });
  });

  it('names every bad field with its fix', () => {
    const message = problems(`
pools:
  - name: a
    subscriptionId: not-a-guid
    region: East US
    resourceGroup: rg
    limits: { cores: 0 }
  - name: b
    subscriptionId: ${SUBSCRIPTION}
    region: eastus
    resourceGroup: rg
    spot: true
    standby:
      poolId: /subscriptions/x/resourceGroups/rg/providers/Microsoft.Whatever/pools/p
      profile: { id: nope, revision: 1 }
  - name: b
    subscriptionId: ${SUBSCRIPTION}
    region: westus
    resourceGroup: rg
failoverCooldown: 0s
`);
    expect(message.split('\n').slice(1)).toEqual([
      '  capacity.yaml: failoverCooldown: failoverCooldown must be a duration between 1s and 1d (got "0s")',
      '  capacity.yaml: pools.0.subscriptionId: subscriptionId must be a subscription id (a GUID)',
      '  capacity.yaml: pools.0.region: region is an Azure location name such as "eastus"',
      '  capacity.yaml: pools.0.limits.cores: limits.cores must be above 0',
      '  capacity.yaml: pools.1.standby.poolId: standby.poolId must be the ARM id of a Microsoft.StandbyPool/standbyContainerGroupPools (/subscriptions/.../resourceGroups/.../providers/Microsoft.StandbyPool/standbyContainerGroupPools/<name>)',
      '  capacity.yaml: pools.1.standby.profile.id: standby.profile.id must be the ARM id of a Microsoft.ContainerInstance/containerGroupProfiles (/subscriptions/.../resourceGroups/.../providers/Microsoft.ContainerInstance/containerGroupProfiles/<name>)',
      '  capacity.yaml: pools.1.spot: ACI offers Spot groups only in eastus2, westeurope, westus, not in eastus: set spot to false',
      '  capacity.yaml: pools.2.name: pool name "b" is used twice',
    ]);
  });

  it('an unreadable or non-YAML file is named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'capacity-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'pools: [');
    expect(() => loadCapacityConfig({ ACI_BATCH_CAPACITY_FILE: bad })).toThrow(/not YAML or JSON/);
    expect(() => loadCapacityConfig({ ACI_BATCH_CAPACITY_FILE: join(dir, 'missing.yaml') })).toThrow(
      /ACI_BATCH_CAPACITY_FILE: cannot read/,
    );
  });

  it("a pool's monitors together stay within their share of the read budget", () => {
    // 100 groups polling within half of 25 reads/s: each at most every 8 s
    expect(minMonitorIntervalMs({ limits: { ...ACI_DEFAULT_LIMITS }, monitorReadShare: 0.5 })).toBe(8000);
  });
});
